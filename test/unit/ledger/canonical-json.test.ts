import { readdirSync, readFileSync } from 'node:fs';
import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KfmError } from '../../../src/errors.js';
import { canonicalJson } from '../../../src/ledger/pure/canonical-json.js';

// RFC 8785 reference data, copied with its SOURCE.md and LICENSE so a fresh clone needs nothing else.
const VECTORS = new URL('../../vectors/rfc8785/', import.meta.url);
const vectorFile = (path: string) => readFileSync(new URL(path, VECTORS));

const PAIRS = readdirSync(new URL('input/', VECTORS))
  .filter((name) => name.endsWith('.json'))
  .map((name) => name.slice(0, -'.json'.length))
  .sort();

interface NumberSample {
  ieee754: string;
  expected: string | null;
  comment: string;
}
const NUMBER_TABLE = JSON.parse(vectorFile('rfc8785-appendixB-numbers.json').toString('utf8')) as {
  samples: NumberSample[];
};

const utf8 = (text: string) => Buffer.from(text, 'utf8');

function float64FromHex(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${hex}`));
  return view.getFloat64(0);
}

function refusalOf(run: () => unknown): KfmError {
  try {
    run();
  } catch (error) {
    if (error instanceof KfmError) return error;
    throw error;
  }
  return expect.fail('expected canonicalJson to refuse the value');
}

describe('canonicalJson', () => {
  describe('on the cyberphone/json-canonicalization vectors', () => {
    it('has all six input/output pairs to check', () => {
      expect(PAIRS).toEqual(['arrays', 'french', 'structures', 'unicode', 'values', 'weird']);
    });

    it.each(PAIRS)('canonicalises input/%s.json to exactly the bytes of output/%s.json', (name) => {
      const input: unknown = JSON.parse(vectorFile(`input/${name}.json`).toString('utf8'));
      const expected = vectorFile(`output/${name}.json`);
      expect(utf8(canonicalJson(input)).equals(expected)).toBe(true);
    });

    it.each(PAIRS)('canonicalises input/%s.json to the bytes listed in outhex/%s.txt', (name) => {
      const input: unknown = JSON.parse(vectorFile(`input/${name}.json`).toString('utf8'));
      const hex = vectorFile(`outhex/${name}.txt`).toString('ascii').replace(/\s+/g, '');
      expect(utf8(canonicalJson(input)).toString('hex')).toBe(hex);
    });
  });

  describe('on the RFC 8785 Appendix B number table', () => {
    it('has the 26 rows of the table', () => {
      expect(NUMBER_TABLE.samples).toHaveLength(26);
    });

    const finite = NUMBER_TABLE.samples.filter((s) => s.expected !== null);
    const refused = NUMBER_TABLE.samples.filter((s) => s.expected === null);

    it.each(finite)('serialises $ieee754 as $expected', ({ ieee754, expected }) => {
      const value = float64FromHex(ieee754);
      expect(canonicalJson(value)).toBe(expected);
      expect(canonicalJson([value])).toBe(`[${expected}]`);
    });

    it.each(refused)('refuses $ieee754 ($comment)', ({ ieee754 }) => {
      const error = refusalOf(() => canonicalJson({ n: float64FromHex(ieee754) }));
      expect(error.code).toBe('NON_CANONICAL_VALUE');
      expect(error.details.path).toBe('$.n');
    });
  });

  describe('when a number is minus zero', () => {
    it('writes it as 0', () => {
      expect(canonicalJson(-0)).toBe('0');
      expect(canonicalJson({ a: -0, b: [-0] })).toBe('{"a":0,"b":[0]}');
    });
  });

  describe('when a value cannot be represented in JCS', () => {
    class Point {
      x = 1;
    }
    const sparse: number[] = [];
    sparse[0] = 1;
    sparse[2] = 3;
    const cycle: Record<string, unknown> = { a: 1 };
    cycle.self = cycle;

    const cases: Array<[string, unknown, string]> = [
      ['NaN', { a: Number.NaN }, '$.a'],
      ['Infinity', { a: [1, Number.POSITIVE_INFINITY] }, '$.a[1]'],
      ['-Infinity', { b: Number.NEGATIVE_INFINITY }, '$.b'],
      ['a lone high surrogate in a value', { s: 'a\uD800b' }, '$.s'],
      ['a lone high surrogate at the end of a value', ['ok', 'x\uDBFF'], '$[1]'],
      ['a lone low surrogate in a value', { s: '\uDC00' }, '$.s'],
      ['a reversed surrogate pair in a value', { s: '\uDE02\uD83D' }, '$.s'],
      ['a lone high surrogate in a key', { '\uD800': 1 }, '$["\\ud800"]'],
      ['a lone low surrogate in a nested key', { a: { k: 1, 'x\uDC00': 1 } }, '$.a["x\\udc00"]'],
      ['undefined in an object', { a: 1, b: undefined }, '$.b'],
      ['undefined in an array', { list: [1, undefined, 3] }, '$.list[1]'],
      ['a hole in a sparse array', { list: sparse }, '$.list[1]'],
      ['undefined itself', undefined, '$'],
      ['a Date', { at: new Date(0) }, '$.at'],
      ['a Map', { m: new Map([['k', 1]]) }, '$.m'],
      ['a Set', [new Set([1])], '$[0]'],
      ['a class instance', { p: new Point() }, '$.p'],
      ['a BigInt', { n: 1n }, '$.n'],
      ['a function', { f: () => 1 }, '$.f'],
      ['an object with toJSON', { d: { toJSON: () => 'x' } }, '$.d.toJSON'],
      ['a Symbol', { s: Symbol('s') }, '$.s'],
    ];

    it.each(cases)('refuses %s with NON_CANONICAL_VALUE at its path', (_what, value, path) => {
      const error = refusalOf(() => canonicalJson(value));
      expect(error.code).toBe('NON_CANONICAL_VALUE');
      expect(error.details.path).toBe(path);
    });

    it('refuses a cycle with NON_CANONICAL_VALUE on the path that loops', () => {
      const error = refusalOf(() => canonicalJson({ root: cycle }));
      expect(error.code).toBe('NON_CANONICAL_VALUE');
      expect(String(error.details.path)).toMatch(/^\$\.root(\.self)+$/);
    });

    it('names the path from the given root', () => {
      const error = refusalOf(() => canonicalJson({ a: { b: Number.NaN } }, 'spec'));
      expect(error.details.path).toBe('spec.a.b');
    });
  });

  describe('when a value is plain JSON', () => {
    it('accepts a valid surrogate pair in keys and values and writes it as raw UTF-8', () => {
      const text = canonicalJson({ '\uD83D\uDE02': '\uD83D\uDE02' });
      expect(utf8(text).toString('hex')).toBe('7b22f09f9882223a22f09f9882227d');
    });

    it('accepts text that merely spells an escaped surrogate, and escapes its backslash', () => {
      const value = { '\\ud800': 'a\\udc00b', '\u007f\u0080': '\u2028' };
      expect(canonicalJson(value)).toBe(canonicalize(value));
      expect(canonicalJson(value)).toBe('{"\\\\ud800":"a\\\\udc00b","\u007f\u0080":"\u2028"}');
    });

    it('accepts an own "__proto__" key (as JSON.parse makes it) and sorts it like any other', () => {
      const value = JSON.parse('{"b":1,"__proto__":{"x":[2]},"a":0}') as unknown;
      expect(canonicalJson(value)).toBe('{"__proto__":{"x":[2]},"a":0,"b":1}');
    });

    it('accepts objects without a prototype', () => {
      const bare = Object.assign(Object.create(null) as Record<string, unknown>, { b: 2, a: 1 });
      expect(canonicalJson(bare)).toBe('{"a":1,"b":2}');
    });

    it('agrees with the canonicalize package on any UTF-16 text, lone surrogates included', () => {
      // Half the code units drawn from the surrogate range, so lone and paired ones both occur often.
      const unit = fc.oneof(fc.integer({ min: 0xd800, max: 0xdfff }), fc.integer({ min: 0, max: 0xffff }));
      const text = fc.array(unit, { maxLength: 6 }).map((units) => String.fromCharCode(...units));
      const value = fc.dictionary(text, fc.oneof(text, fc.array(text, { maxLength: 3 })), { maxKeys: 4 });
      fc.assert(
        fc.property(value, (v) => {
          const reference = (() => {
            try {
              return canonicalize(v);
            } catch {
              return 'refused';
            }
          })();
          const ours = (() => {
            try {
              return canonicalJson(v);
            } catch (error) {
              expect((error as KfmError).code).toBe('NON_CANONICAL_VALUE');
              return 'refused';
            }
          })();
          expect(ours).toBe(reference);
        }),
        { numRuns: 500 },
      );
    });

    it('gives the same text as the canonicalize package and is a fixed point', () => {
      fc.assert(
        fc.property(fc.jsonValue({ stringUnit: 'binary', maxDepth: 4 }), (value) => {
          const text = canonicalJson(value);
          expect(text).toBe(canonicalize(value));
          expect(canonicalJson(JSON.parse(text))).toBe(text);
        }),
        { numRuns: 200 },
      );
    });
  });
});

describe('canonicalJson refusals, as the CLI prints them', () => {
  const JCS = 'RFC 8785 (JCS) cannot represent it';
  it.each<[string, unknown, string]>([
    ['NaN', { a: Number.NaN }, `$.a is NaN; ${JCS}`],
    ['Infinity', [Number.POSITIVE_INFINITY], `$[0] is Infinity; ${JCS}`],
    ['a lone surrogate', { s: 'a\uD800' }, `$.s contains a lone UTF-16 surrogate; ${JCS}`],
    ['a key with a lone surrogate', { '\uD800': 1 }, `$["\\ud800"] has a key with a lone surrogate; ${JCS}`],
    ['undefined', { u: undefined }, `$.u is undefined; ${JCS}`],
    ['a BigInt', { n: 1n }, `$.n is a BigInt (use a number within ±2^53 or a string); ${JCS}`],
    ['a Date', { d: new Date(0) }, `$.d is a Date object, not a plain JSON object; ${JCS}`],
    [
      'an object without a constructor',
      { o: Object.create(Object.create(null)) },
      `$.o is a non-plain object, not a plain JSON object; ${JCS}`,
    ],
    ['a function', { f: () => 1 }, `$.f is a function; ${JCS}`],
    ['a symbol', { s: Symbol('s') }, `$.s is a symbol; ${JCS}`],
  ])('names %s by its path and kind', (_what, value, message) => {
    const error = refusalOf(() => canonicalJson(value));
    expect(error.message).toBe(message);
  });
});
