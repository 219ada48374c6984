import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_DEPTH, parseStrictJson } from '../../../src/events/strict-json.js';

/** Every number in a value is a double JSON carries exactly as written by JSON.stringify. */
function isIJson(value: unknown): boolean {
  if (typeof value === 'number') return !Number.isInteger(value) || Number.isSafeInteger(value);
  if (Array.isArray(value)) return value.every(isIJson);
  if (value !== null && typeof value === 'object') return Object.values(value).every(isIJson);
  return true;
}

/** JSON.stringify writes an integer-valued double without fraction or exponent below 1e21. */
function hasUnsafeIntegerLiteral(value: unknown): boolean {
  if (typeof value === 'number')
    return Number.isInteger(value) && !Number.isSafeInteger(value) && Math.abs(value) < 1e21;
  if (Array.isArray(value)) return value.some(hasUnsafeIntegerLiteral);
  if (value !== null && typeof value === 'object') return Object.values(value).some(hasUnsafeIntegerLiteral);
  return false;
}

function refusal(text: string) {
  const result = parseStrictJson(text);
  if (result.ok) return expect.fail(`expected ${text} to be refused`);
  return result.issue;
}

const jsonText = fc
  .jsonValue()
  .chain((value) =>
    fc.constantFrom(0, 2, '\t').map((space) => ({ value, text: JSON.stringify(value, null, space) })),
  );

describe('parseStrictJson', () => {
  it('returns what JSON.parse returns for any JSON text without an unsafe integer literal', () => {
    fc.assert(
      fc.property(jsonText, ({ text }) => {
        const parsed = JSON.parse(text) as unknown;
        fc.pre(!hasUnsafeIntegerLiteral(parsed));
        expect(parseStrictJson(text)).toEqual({ ok: true, value: parsed });
      }),
      { numRuns: 500 },
    );
  });

  it('refuses exactly the texts with an integer literal outside ±(2^53−1), as UNSAFE_INTEGER', () => {
    fc.assert(
      fc.property(jsonText, ({ text }) => {
        const result = parseStrictJson(text);
        const unsafe = hasUnsafeIntegerLiteral(JSON.parse(text));
        expect(result.ok).toBe(!unsafe);
        if (!result.ok) expect(result.issue.problem).toBe('UNSAFE_INTEGER');
      }),
      { numRuns: 500 },
    );
  });

  it('refuses every text JSON.parse refuses', () => {
    const nearJson = fc.oneof(
      fc.string(),
      jsonText.chain(({ text }) =>
        fc
          .tuple(
            fc.nat(text.length),
            fc.nat(3),
            fc.constantFrom('', ',', '}', ']', '"', ':', '-', '.', 'e', '0', ' x'),
          )
          .map(([at, cut, insert]) => text.slice(0, at) + insert + text.slice(at + cut)),
      ),
    );
    fc.assert(
      fc.property(nearJson, (text) => {
        let parsed: { ok: boolean } = { ok: true };
        try {
          JSON.parse(text);
        } catch {
          parsed = { ok: false };
        }
        if (!parsed.ok) expect(parseStrictJson(text).ok).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses a repeated member name wherever it is, naming its path', () => {
    const keyed = fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), fc.jsonValue({ maxDepth: 1 }), {
      minKeys: 1,
      maxKeys: 5,
    });
    fc.assert(
      fc.property(keyed, fc.jsonValue({ maxDepth: 1 }), fc.nat(3), (object, again, depth) => {
        fc.pre(isIJson(object) && isIJson(again));
        const name = Object.keys(object)[0]!;
        const inner = `${JSON.stringify(object).slice(0, -1)},${JSON.stringify(name)}:${JSON.stringify(again)}}`;
        let text = inner;
        for (let level = 0; level < depth; level++) text = level % 2 === 0 ? `[${text}]` : `{"k":${text}}`;
        const issue = refusal(text);
        expect(issue.problem).toBe('DUPLICATE_KEY');
        expect(issue.path.endsWith(`[${JSON.stringify(name)}]`) || issue.path.endsWith(`.${name}`)).toBe(
          true,
        );
      }),
    );
  });

  it('refuses an unsafe integer anywhere in a document, naming its path', () => {
    const unsafe = fc
      .bigInt({ min: BigInt(Number.MAX_SAFE_INTEGER) + 1n, max: 10n ** 30n })
      .chain((n) => fc.constantFrom(n, -n));
    fc.assert(
      fc.property(unsafe, fc.array(fc.integer(), { maxLength: 4 }), (n, before) => {
        const issue = refusal(
          `{"payload": {"list": [${[...before, 'X'].join(', ')}]}}`.replace('X', String(n)),
        );
        expect(issue.problem).toBe('UNSAFE_INTEGER');
        expect(issue.path).toBe(`$.payload.list[${before.length}]`);
      }),
    );
  });

  it.each([
    ['12345678901234567890', 'UNSAFE_INTEGER', '12345678901234567000'],
    ['-9007199254740992', 'UNSAFE_INTEGER', '2^53'],
    ['1e400', 'NUMBER_OUT_OF_RANGE', 'beyond the range of a double'],
    ['-1.5e309', 'NUMBER_OUT_OF_RANGE', 'beyond the range of a double'],
    ['1e-400', 'NUMBER_OUT_OF_RANGE', 'stored as 0'],
  ])('refuses %s as %s', (literal, problem, says) => {
    const issue = refusal(`{"a": [true, ${literal}]}`);
    expect(issue).toMatchObject({ problem, path: '$.a[1]', line: 1, column: 14 });
    expect(issue.message).toContain(says);
  });

  it.each([
    ['9007199254740991', 9007199254740991],
    ['-9007199254740991', -9007199254740991],
    ['1e300', 1e300],
    ['12345678901234567890.0', 12345678901234567000],
    ['0e-999', 0],
  ])('accepts %s (a safe integer, or a double written as one)', (literal, value) => {
    expect(parseStrictJson(literal)).toEqual({ ok: true, value });
  });

  it('reads -0 as JSON.parse does; RFC 8785 writes it as 0', () => {
    const result = parseStrictJson('-0');
    expect(result.ok && Object.is(result.value, -0)).toBe(true);
  });

  it('keeps "__proto__" an own member, as JSON.parse does', () => {
    const result = parseStrictJson('{"__proto__": {"x": 1}}');
    expect(result.ok && Object.hasOwn(result.value as object, '__proto__')).toBe(true);
    expect(result.ok && Object.getPrototypeOf(result.value)).toBe(Object.prototype);
  });

  it('names line and column of a duplicate on a later line', () => {
    expect(refusal('{\n  "a": 1,\n  "b": {"c": 2, "c": 3}\n}')).toMatchObject({
      problem: 'DUPLICATE_KEY',
      path: '$.b.c',
      line: 3,
      column: 17,
    });
  });

  it(`refuses nesting deeper than ${MAX_DEPTH} levels instead of overflowing the stack`, () => {
    const deep = `${'['.repeat(MAX_DEPTH + 1)}${']'.repeat(MAX_DEPTH + 1)}`;
    expect(refusal(deep).problem).toBe('SYNTAX');
    expect(parseStrictJson(`${'['.repeat(MAX_DEPTH)}${']'.repeat(MAX_DEPTH)}`).ok).toBe(true);
  });
});
