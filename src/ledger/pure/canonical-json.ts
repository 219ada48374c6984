import canonicalize from 'canonicalize';
import { KfmError } from '../../errors.js';

/**
 * RFC 8785 (JCS) serialisation, refusing every value JCS cannot represent before anything is hashed
 * or written. `canonicalize` already rejects NaN, ±Infinity and lone surrogates, but silently drops
 * `undefined`, follows `toJSON` (so a Date would be hashed as its string) and throws a bare TypeError
 * on BigInt; a ledger must not guess, so we walk the value first and name the offending path.
 */
export function canonicalJson(value: unknown, where = '$'): string {
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
