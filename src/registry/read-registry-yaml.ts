import { LineCounter, parseDocument } from 'yaml';

export type RegistryYaml =
  | { ok: true; value: unknown; lineOf: (path: readonly PropertyKey[]) => number | undefined }
  | { ok: false; line?: number; message: string; field?: string; fix?: string };

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Parses a registry file (or a YAML run spec) keeping its source positions, so every problem (not
 * only a syntax error) can name its line: the YAML core schema, so dates stay text and no custom
 * tags apply; duplicate keys are refused rather than last-one-wins; integers are read as BigInt so
 * one a double cannot hold exactly is refused rather than rounded (I-JSON, RFC 7493 §2.2).
 */
export function readRegistryYaml(text: string): RegistryYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    schema: 'core',
    uniqueKeys: true,
    intAsBigInt: true,
    lineCounter,
    prettyErrors: true,
  });
  const error = doc.errors[0];
  if (error !== undefined) {
    const line = error.linePos?.[0].line;
    // yaml's first line ends with "at line L, column C:"; the line is reported on its own.
    const first = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    const message = `not valid YAML (${first})`;
    return line === undefined ? { ok: false, message } : { ok: false, line, message };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (cause) {
    // toJS throws on alias bombs and similar documents that parse but cannot be expanded.
    return { ok: false, message: `not valid YAML (${(cause as Error).message.split('\n')[0]})` };
  }
  const lineOf = (path: readonly PropertyKey[]): number | undefined => {
    // The node itself, or for a missing field its nearest present parent.
    for (let depth = path.length; depth > 0; depth--) {
      let node: { range?: [number, number, number] | null } | undefined;
      try {
        node = doc.getIn(path.slice(0, depth), true) as typeof node;
      } catch {
        node = undefined; // a path through a scalar: fall back to its parent
      }
      if (node?.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
  const unsafe = narrowIntegers(value, []);
  if (unsafe !== null) {
    const field = unsafe.path.join('.');
    const line = lineOf(unsafe.path);
    return {
      ok: false,
      field,
      message: `${unsafe.value} is outside ±(2^53−1), so it would be stored as ${Number(unsafe.value)} (I-JSON, RFC 7493 §2.2)`,
      fix: "quote it to keep it exact as text (e.g. '12345678901234567890')",
      ...(line === undefined ? {} : { line }),
    };
  }
  return { ok: true, value, lineOf };
}

/**
 * Turns every BigInt integer in `value` into a number in place, or returns the first one a double
 * cannot hold exactly (with its path) and changes nothing more.
 */
function narrowIntegers(
  value: unknown,
  path: (string | number)[],
): { path: (string | number)[]; value: bigint } | null {
  if (value === null || typeof value !== 'object') return null;
  const entries: [string | number, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : Object.entries(value);
  for (const [key, item] of entries) {
    if (typeof item === 'bigint') {
      if (item > MAX_SAFE || item < -MAX_SAFE) return { path: [...path, key], value: item };
      (value as Record<string | number, unknown>)[key] = Number(item);
    } else {
      const found = narrowIntegers(item, [...path, key]);
      if (found !== null) return found;
    }
  }
  return null;
}
