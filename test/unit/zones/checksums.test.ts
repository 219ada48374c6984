import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KfmError } from '../../../src/errors.js';
import { parseChecksums, renderChecksums } from '../../../src/zones/checksums.js';
import { comparePaths, unsafePathReason } from '../../../src/zones/relative-path.js';

const HASH_A = 'a'.repeat(64);
const HASH_B = `${'0123456789abcdef'.repeat(4)}`;

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof KfmError) return error.code;
    throw error;
  }
  throw new Error('expected a KfmError');
}

function refusal(run: () => unknown): KfmError {
  try {
    run();
  } catch (error) {
    if (error instanceof KfmError) return error;
    throw error;
  }
  throw new Error('expected a KfmError');
}

/** A safe zone path: 1–4 segments of any Unicode text that the path rule accepts. */
const segment = fc
  .string({ unit: 'binary', minLength: 1, maxLength: 10 })
  .filter((s) => !s.includes('/') && unsafePathReason(s) === undefined);
const safePath = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('/'));
const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);

describe('unsafePathReason', () => {
  it.each([
    ['', 'is empty'],
    ['/etc/passwd', 'is absolute'],
    ['../x', '".." segment'],
    ['a/../../x', '".." segment'],
    ['./a', '"." segment'],
    ['a//b', 'empty segment'],
    ['a/', 'empty segment'],
    ['a\0b', 'control character'],
    ['a\nb', 'control character'],
    ['a\\b', 'backslash'],
    ['a\uD800b', 'surrogate'],
  ])('refuses %j (%s)', (path, why) => {
    expect(unsafePathReason(path)).toContain(why);
  });

  it.each(['a', 'ks_x/run/data.csv', '.staging-01J/file', 'é ü/名前 with spaces', '...', 'a..b'])(
    'accepts %j',
    (path) => {
      expect(unsafePathReason(path)).toBeUndefined();
    },
  );
});

describe('renderChecksums', () => {
  it('writes "<hex>  <path>" lines sorted by path, each ending in a newline', () => {
    const text = renderChecksums([
      { path: 'b/z.csv', sha256: HASH_B },
      { path: 'a.csv', sha256: HASH_A },
    ]);
    expect(text).toBe(`${HASH_A}  a.csv\n${HASH_B}  b/z.csv\n`);
  });

  it('orders by UTF-16 code units, the order of every list we hash', () => {
    // U+1F600 is the surrogate pair D83D DE00 (< FF61) in UTF-16, but F0 9F… (> EF BD A1) in UTF-8.
    const text = renderChecksums([
      { path: '\u{1F600}', sha256: HASH_A },
      { path: '\uFF61', sha256: HASH_A },
    ]);
    expect(text.split('\n').map((l) => l.slice(66))).toEqual(['\u{1F600}', '\uFF61', '']);
  });

  it('renders nothing for no entries', () => {
    expect(renderChecksums([])).toBe('');
  });

  it('refuses an unsafe path (PATH_UNSAFE), a bad hash or a duplicate (INVALID_INPUT)', () => {
    expect(codeOf(() => renderChecksums([{ path: '../x', sha256: HASH_A }]))).toBe('PATH_UNSAFE');
    expect(codeOf(() => renderChecksums([{ path: 'a\nb', sha256: HASH_A }]))).toBe('PATH_UNSAFE');
    expect(codeOf(() => renderChecksums([{ path: 'a', sha256: HASH_A.toUpperCase() }]))).toBe(
      'INVALID_INPUT',
    );
    expect(
      codeOf(() =>
        renderChecksums([
          { path: 'a', sha256: HASH_A },
          { path: 'a', sha256: HASH_B },
        ]),
      ),
    ).toBe('INVALID_INPUT');
  });
});

describe('parseChecksums', () => {
  it('reads both separators and a last line without its newline', () => {
    expect(parseChecksums(`${HASH_A}  a\n${HASH_B} *b c`)).toEqual([
      { sha256: HASH_A, path: 'a' },
      { sha256: HASH_B, path: 'b c' },
    ]);
  });

  it.each([
    ['an empty line', `${HASH_A}  a\n\n${HASH_B}  b\n`, 2],
    ['a short hash', `${HASH_A}  a\n${'a'.repeat(63)}  b\n`, 2],
    ['uppercase hex', `${HASH_A.toUpperCase()}  a\n`, 1],
    ['one space only', `${HASH_A} a\n`, 1],
    ['CRLF', `${HASH_A}  a\r\n`, 1],
    ["GNU's escaped form", `\\${HASH_A}  a\\\\b\n`, 1],
    ['a BSD tag', `SHA256 (a) = ${HASH_A}\n`, 1],
    ['a traversal', `${HASH_A}  a\n${HASH_B}  ../etc/passwd\n`, 2],
    ['an absolute path', `${HASH_A}  /etc/passwd\n`, 1],
    ['a duplicate path', `${HASH_A}  a\n${HASH_B}  b\n${HASH_B}  a\n`, 3],
  ])('refuses %s, naming line %i', (_what, text, line) => {
    const error = refusal(() => parseChecksums(text, 'x/checksums.sha256'));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.details).toEqual({ file: 'x/checksums.sha256', line });
    expect(error.message).toContain(`x/checksums.sha256 line ${line}:`);
  });

  it('reads an empty file as no entries', () => {
    expect(parseChecksums('')).toEqual([]);
  });
});

describe('renderChecksums and parseChecksums', () => {
  const entries = fc.uniqueArray(fc.record({ path: safePath, sha256: hex64 }), {
    selector: (e) => e.path,
    maxLength: 12,
  });

  it('round-trip any safe paths: parse(render(x)) is x sorted by path', () => {
    fc.assert(
      fc.property(entries, (list) => {
        const sorted = [...list].sort((a, b) => comparePaths(a.path, b.path));
        expect(parseChecksums(renderChecksums(list))).toEqual(sorted);
      }),
    );
  });

  it('render the same text whatever the input order', () => {
    fc.assert(
      fc.property(entries, (list) => {
        expect(renderChecksums([...list].reverse())).toBe(renderChecksums(list));
      }),
    );
  });
});
