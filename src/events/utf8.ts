import { KfmError } from '../errors.js';

/**
 * Strict UTF-8 decoding of input files. Node's default decoding (`readFile(f, 'utf8')`,
 * `Buffer#toString`) replaces a malformed byte with U+FFFD, so a Latin-1 `D\xf6niphan` would be
 * hashed into the ledger as `D�niphan` without a word. Input is refused instead, naming where.
 */

export type Utf8Result =
  | { ok: true; text: string }
  | {
      ok: false;
      /** Byte offset of the first byte of the first malformed sequence. */
      offset: number;
      /** 1-based line (counted by LF bytes, which never occur inside a UTF-8 sequence) and byte column. */
      line: number;
      column: number;
      byte: number;
    };

// ignoreBOM keeps a leading U+FEFF as text, as readFile did: the JSON reader then refuses it.
const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function decodeUtf8Strict(bytes: Uint8Array): Utf8Result {
  try {
    return { ok: true, text: fatal.decode(bytes) };
  } catch {
    const offset = firstMalformedUtf8(bytes);
    const lineStart = bytes.lastIndexOf(0x0a, offset - 1) + 1;
    let line = 1;
    for (let i = 0; i < lineStart; i++) if (bytes[i] === 0x0a) line++;
    return { ok: false, offset, line, column: offset - lineStart + 1, byte: bytes[offset] ?? 0 };
  }
}

/** `line N column C: byte 0xF6 is not valid UTF-8`, the shared wording of every reader's message. */
export function describeMalformedUtf8(failure: Extract<Utf8Result, { ok: false }>): string {
  return `line ${failure.line} column ${failure.column}: ${describeMalformedByte(failure)}`;
}

/** `byte 0xF6 is not valid UTF-8`, for messages that name the line on their own. */
export function describeMalformedByte(failure: Extract<Utf8Result, { ok: false }>): string {
  return `byte 0x${failure.byte.toString(16).toUpperCase().padStart(2, '0')} is not valid UTF-8`;
}

/**
 * The input as text, refusing bytes that are not UTF-8 (RFC 8259 §8.1) rather than hashing U+FFFD
 * in their place. Every reader of user files (events, specs, configs, registry entries) decodes through it.
 */
export function utf8Text(
  source: string,
  bytes: Uint8Array,
  fix = 'kfm reads UTF-8 only: convert the file (e.g. iconv -f latin1 -t utf-8)',
): string {
  const decoded = decodeUtf8Strict(bytes);
  if (decoded.ok) return decoded.text;
  const { line, column, offset } = decoded;
  throw new KfmError('INVALID_INPUT', `${source} ${describeMalformedUtf8(decoded)}; ${fix}`, {
    details: { file: source, line, column, offset },
  });
}

/** Whether a WHATWG encoding label (utf-8, utf8, unicode-1-1-utf-8 …) names UTF-8; throws for an unknown label. */
export function isUtf8Label(label: string): boolean {
  return new TextDecoder(label).encoding === 'utf-8';
}

/**
 * Offset of the first ill-formed sequence (Unicode Table 3-7: no overlongs, no surrogates, nothing
 * above U+10FFFF; a sequence cut off by the end counts), or bytes.length when all is well formed.
 */
export function firstMalformedUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const rule = b < 0x80 ? ONE : SEQUENCES.find((s) => b >= s.lead[0] && b <= s.lead[1]);
    if (rule === undefined) return i;
    for (let k = 0; k < rule.next.length; k++) {
      const c = bytes[i + 1 + k];
      const [low, high] = rule.next[k]!;
      if (c === undefined || c < low || c > high) return i;
    }
    i += 1 + rule.next.length;
  }
  return bytes.length;
}

type Range = readonly [number, number];
const CONT: Range = [0x80, 0xbf];
const ONE = { lead: [0x00, 0x7f] as Range, next: [] as Range[] };
const SEQUENCES: { lead: Range; next: Range[] }[] = [
  { lead: [0xc2, 0xdf], next: [CONT] },
  { lead: [0xe0, 0xe0], next: [[0xa0, 0xbf], CONT] },
  { lead: [0xe1, 0xec], next: [CONT, CONT] },
  { lead: [0xed, 0xed], next: [[0x80, 0x9f], CONT] },
  { lead: [0xee, 0xef], next: [CONT, CONT] },
  { lead: [0xf0, 0xf0], next: [[0x90, 0xbf], CONT, CONT] },
  { lead: [0xf1, 0xf3], next: [CONT, CONT, CONT] },
  { lead: [0xf4, 0xf4], next: [[0x80, 0x8f], CONT, CONT] },
];
