import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeUtf8Strict, describeMalformedUtf8, firstMalformedUtf8 } from '../../../src/events/utf8.js';

const bytes = (...values: number[]) => Uint8Array.from(values);

describe('decodeUtf8Strict', () => {
  it('decodes any well-formed UTF-8 exactly, a leading BOM kept as text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.boolean(), (text, bom) => {
        const input = (bom ? '\uFEFF' : '') + text;
        expect(decodeUtf8Strict(Buffer.from(input, 'utf8'))).toEqual({ ok: true, text: input });
      }),
    );
  });

  it('names line, column and byte of a Latin-1 ö (0xF6) instead of decoding it as U+FFFD', () => {
    const input = Buffer.concat([
      Buffer.from('name,county\nKa,Sedgwick\nD'),
      bytes(0xf6),
      Buffer.from('niphan,Hall\n'),
    ]);
    const result = decodeUtf8Strict(input);
    expect(result).toEqual({ ok: false, offset: 25, line: 3, column: 2, byte: 0xf6 });
    if (!result.ok)
      expect(describeMalformedUtf8(result)).toBe('line 3 column 2: byte 0xF6 is not valid UTF-8');
  });

  it('finds the first malformed sequence where TextDecoder (fatal) fails, and only there', () => {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 24 }), (input) => {
        let valid = true;
        try {
          decoder.decode(input);
        } catch {
          valid = false;
        }
        const offset = firstMalformedUtf8(input);
        expect(offset === input.length).toBe(valid);
        if (!valid) {
          // Everything before the offset is well formed, so the offset is the first bad sequence.
          expect(() => decoder.decode(input.subarray(0, offset))).not.toThrow();
        }
      }),
      { numRuns: 3000 },
    );
  });

  it.each([
    ['an overlong encoding of "/"', bytes(0xc0, 0xaf)],
    ['a UTF-16 surrogate (U+D800)', bytes(0xed, 0xa0, 0x80)],
    ['a code point above U+10FFFF', bytes(0xf4, 0x90, 0x80, 0x80)],
    ['a sequence cut off by the end', bytes(0x41, 0xe2, 0x82)],
  ])('refuses %s', (_what, input) => {
    expect(decodeUtf8Strict(input).ok).toBe(false);
  });
});
