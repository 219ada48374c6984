import canonicalize from 'canonicalize';
import { KfmError } from '../../errors.js';

/**
 * RFC 8785 (JCS) serialisation, refusing every value JCS cannot represent before anything is hashed
 * or written. `canonicalize` already rejects NaN, ±Infinity and lone surrogates, but silently drops
 * `undefined`, follows `toJSON` (so a Date would be hashed as its string) and throws a bare TypeError
 * on BigInt; a ledger must not guess, so we walk the value first and name the offending path.
 */
export function canonicalJson(value: unknown, where = '$'): string {
  const fast = writeJcs(value, 0);
  if (fast !== undefined) return fast;
  // Anything the fast writer declined is refused here with its path, or written by `canonicalize`.
  assertJcsValue(value, where, 0);
  const text = canonicalize(value);
  if (text === undefined) throw refuse(where, 'is not a JSON value');
  return text;
}

const MAX_DEPTH = 128;
// Without the `u` flag a regex sees UTF-16 code units, which is what a lone surrogate is.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function refuse(path: string, what: string): KfmError {
  return new KfmError('NON_CANONICAL_VALUE', `${path} ${what}; RFC 8785 (JCS) cannot represent it`, {
    details: { path },
  });
}

function assertJcsValue(value: unknown, path: string, depth: number): void {
  switch (typeof value) {
    case 'string':
      if (LONE_SURROGATE.test(value)) throw refuse(path, 'contains a lone UTF-16 surrogate');
      return;
    case 'number':
      if (Number.isNaN(value)) throw refuse(path, 'is NaN');
      if (!Number.isFinite(value)) throw refuse(path, 'is Infinity');
      return;
    case 'boolean':
      return;
    case 'undefined':
      throw refuse(path, 'is undefined');
    case 'bigint':
      throw refuse(path, 'is a BigInt (use a number within ±2^53 or a string)');
    case 'object':
      if (value === null) return;
      if (depth >= MAX_DEPTH) throw refuse(path, `nests deeper than ${MAX_DEPTH} levels (a cycle?)`);
      assertJcsContainer(value, path, depth + 1);
      return;
    default:
      throw refuse(path, `is a ${typeof value}`);
  }
}

function assertJcsContainer(value: object, path: string, depth: number): void {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) assertJcsValue(value[i], `${path}[${i}]`, depth);
    return;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    throw refuse(path, `is a ${value.constructor?.name ?? 'non-plain'} object, not a plain JSON object`);
  }
  for (const key of Object.keys(value)) {
    if (LONE_SURROGATE.test(key))
      throw refuse(`${path}[${JSON.stringify(key)}]`, 'has a key with a lone surrogate');
    assertJcsValue((value as Record<string, unknown>)[key], `${path}.${key}`, depth);
  }
}

/*
 * The hot path (every append hashes one envelope): a single pass that writes RFC 8785 directly and
 * declines — returns undefined — on anything that is not plain, finite, well-formed JSON, so the
 * checked path above decides every refusal and its message. On what it accepts it writes exactly what
 * `canonicalize` writes: ECMAScript JSON.stringify for strings and numbers (RFC 8785 §3.2.2), keys
 * sorted by UTF-16 code units (§3.2.3, which is how JavaScript compares strings), no whitespace.
 */

/** Strings JSON.stringify writes unchanged between quotes: printable ASCII without `"` and `\`. */
const PLAIN_STRING = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
/** JSON.stringify escapes a lone surrogate as \ud800–\udfff (text spelling a backslash-u is declined too). */
const ESCAPED_SURROGATE = /\\ud[89a-f]/;
const quotedKeys = new Map<string, string>();

function writeString(text: string): string | undefined {
  if (PLAIN_STRING.test(text)) return `"${text}"`;
  const quoted = JSON.stringify(text);
  return ESCAPED_SURROGATE.test(quoted) ? undefined : quoted;
}

/** Keys repeat from event to event, so short ones are remembered quoted (at most 4096 of them). */
function writeKey(key: string): string | undefined {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = writeString(key);
    if (quoted !== undefined && key.length <= 64 && quotedKeys.size < 4096) quotedKeys.set(key, quoted);
  }
  return quoted;
}

function writeJcs(value: unknown, depth: number): string | undefined {
  switch (typeof value) {
    case 'string':
      return writeString(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : undefined;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      // `canonicalize` would follow a toJSON method; the checked path refuses or follows it as before.
      if (depth >= MAX_DEPTH || typeof (value as { toJSON?: unknown }).toJSON === 'function')
        return undefined;
      return Array.isArray(value) ? writeJcsArray(value, depth + 1) : writeJcsObject(value, depth + 1);
    default:
      return undefined;
  }
}

function writeJcsArray(value: readonly unknown[], depth: number): string | undefined {
  let out = '[';
  for (let i = 0; i < value.length; i++) {
    const item = writeJcs(value[i], depth);
    if (item === undefined) return undefined;
    out += i === 0 ? item : `,${item}`;
  }
  return `${out}]`;
}

function writeJcsObject(value: object, depth: number): string | undefined {
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return undefined;
  const keys = sortUtf16(Object.keys(value));
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const quoted = writeKey(key);
    const item = writeJcs((value as Record<string, unknown>)[key], depth);
    if (quoted === undefined || item === undefined) return undefined;
    out += `${i === 0 ? '' : ','}${quoted}:${item}`;
  }
  return `${out}}`;
}

/** Insertion sort in place: objects have few keys, often already in order. Keys are distinct. */
function sortUtf16(keys: string[]): string[] {
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > key) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = key;
  }
  return keys;
}
