/**
 * Receipts and catalogs are pretty JSON with keys sorted in UTF-16 code-unit order (as RFC 8785),
 * 2-space indent and a final newline, so rendering the same projection twice gives the same bytes
 * and a replay can compare files byte for byte.
 */
export function renderReceipt(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const inner = (value as Record<string, unknown>)[key];
    if (inner !== undefined) sorted[key] = sortKeys(inner);
  }
  return sorted;
}
