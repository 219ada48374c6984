import { KfmError } from '../errors.js';
import {
  concatBytes,
  decodeBase64,
  decodeUtf8,
  encodeBase64,
  hasControlCharacter,
  utf8Bytes,
} from './bytes.js';
import { isValidKeyName, type NoteSigner, type NoteVerifier } from './note-keys.js';

/**
 * C2SP signed-note: text ending in a newline, a blank line, then one or more lines
 * `— <key name> <base64(4-byte key id || signature)>`. The text is untrusted until a known key's
 * signature over it verifies, so opening a note returns a result and never throws.
 */
const SIGNATURE_PREFIX = '\u2014 ';

/** The spec asks verifiers to accept at least 16 signatures; more than this is refused outright. */
export const MAX_SIGNATURES = 100;

export type NoteFailure =
  | 'NOTE_NOT_UTF8'
  /** An ASCII control character other than newline. */
  | 'NOTE_CONTROL_CHARACTER'
  /** No blank line before the signatures, no final newline, or no signature line. */
  | 'NOTE_MALFORMED'
  /** A signature line not of the form `— <name> <base64 of 5+ bytes>`. */
  | 'SIGNATURE_LINE_MALFORMED'
  | 'TOO_MANY_SIGNATURES'
  /** A signature by a known key (name and id match) that does not verify: the note is refused. */
  | 'SIGNATURE_INVALID'
  /** No signature by any known key: the text must be ignored. */
  | 'NO_KNOWN_SIGNATURE';

export interface NoteSignature {
  name: string;
  keyId: number;
  /** base64(key id || signature), as on the line. */
  base64: string;
}

export type NoteOpen =
  | { ok: true; text: string; verified: NoteSignature[]; unverified: NoteSignature[] }
  | { ok: false; failure: NoteFailure; message: string };

const fail = (failure: NoteFailure, message: string): NoteOpen => ({ ok: false, failure, message });

function parseSignatureLine(line: string): NoteSignature | undefined {
  if (!line.startsWith(SIGNATURE_PREFIX)) return undefined;
  const rest = line.slice(SIGNATURE_PREFIX.length);
  const space = rest.indexOf(' ');
  if (space < 0) return undefined;
  const name = rest.slice(0, space);
  const base64 = rest.slice(space + 1);
  const bytes = decodeBase64(base64);
  if (!isValidKeyName(name) || bytes === undefined || bytes.length < 5) return undefined;
  return { name, keyId: new DataView(bytes.buffer, bytes.byteOffset).getUint32(0), base64 };
}

/**
 * Opens a signed note with the verifiers the caller trusts. Signatures from unknown keys (name or id
 * differ from every known key) are ignored, as the spec requires; one failing signature from a known
 * key refuses the whole note; at least one known signature must verify.
 */
export function openNote(note: Uint8Array, known: readonly NoteVerifier[]): NoteOpen {
  const message = decodeUtf8(note);
  if (message === undefined) return fail('NOTE_NOT_UTF8', 'the note is not valid UTF-8');
  if (hasControlCharacter(message, true))
    return fail('NOTE_CONTROL_CHARACTER', 'the note holds a control character other than newline');
  const split = message.lastIndexOf('\n\n');
  if (split < 0 || !message.endsWith('\n'))
    return fail(
      'NOTE_MALFORMED',
      'a note is text, a blank line and signature lines, each ending in a newline',
    );
  const text = message.slice(0, split + 1);
  const lines = message.slice(split + 2, -1).split('\n');
  if (lines.length > MAX_SIGNATURES)
    return fail(
      'TOO_MANY_SIGNATURES',
      `the note has ${lines.length} signatures; at most ${MAX_SIGNATURES} are read`,
    );
  const textBytes = utf8Bytes(text);
  const verified: NoteSignature[] = [];
  const unverified: NoteSignature[] = [];
  for (const [i, line] of lines.entries()) {
    const signature = parseSignatureLine(line);
    if (signature === undefined)
      return fail(
        'SIGNATURE_LINE_MALFORMED',
        `signature line ${i + 1} is not "— <key name> <base64 signature>"`,
      );
    const verifier = known.find((v) => v.name === signature.name && v.keyId === signature.keyId);
    if (verifier === undefined) {
      unverified.push(signature);
      continue;
    }
    if (!verifier.verify(textBytes, decodeBase64(signature.base64)!.subarray(4)))
      return fail('SIGNATURE_INVALID', `the signature of ${signature.name} on line ${i + 1} does not verify`);
    verified.push(signature);
  }
  if (verified.length === 0) return fail('NO_KNOWN_SIGNATURE', 'the note is not signed by any trusted key');
  return { ok: true, text, verified, unverified };
}

/** Refuses text no note may carry: signing it would give a note nobody can open. */
function checkNoteText(text: string): void {
  if (text.length === 0 || !text.endsWith('\n') || hasControlCharacter(text, true))
    throw new KfmError(
      'INVALID_INPUT',
      'note text must be non-empty, end in a newline and hold no control character but newline',
    );
}

/** Signs `text` with each signer: the note text, a blank line, one signature line per signer. */
export function signNote(text: string, signers: readonly NoteSigner[]): string {
  checkNoteText(text);
  if (signers.length === 0) throw new KfmError('USAGE', 'a signed note needs at least one signer');
  const message = utf8Bytes(text);
  const lines = signers.map((signer) => {
    const id = new Uint8Array(4);
    new DataView(id.buffer).setUint32(0, signer.keyId);
    return `${SIGNATURE_PREFIX}${signer.name} ${encodeBase64(concatBytes(id, signer.sign(message)))}\n`;
  });
  return `${text}\n${lines.join('')}`;
}
