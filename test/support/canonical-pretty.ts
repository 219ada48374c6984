/**
 * Pretty JSON with keys sorted at every level, 2-space indent and a final newline (docs/design.md):
 * the receipt format written apart from src/projections/render-receipt.ts, so a test can hold
 * rendered bytes against a value written out by hand.
 */
export function canonicalPretty(text: string): string {
  const sort = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(sort);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sort((value as Record<string, unknown>)[k])]),
    );
  };
  return `${JSON.stringify(sort(JSON.parse(text)), null, 2)}\n`;
}
