import { KfmError } from '../errors.js';
import { decodeBase64, encodeBase64, hasControlCharacter, parseDecimal } from './bytes.js';
import type { NoteVerifier } from './note-keys.js';
import { type NoteFailure, type NoteSignature, openNote } from './signed-note.js';
import { HASH_SIZE } from './tree-hasher.js';

/**
 * C2SP tlog-checkpoint: the note text `<origin>\n<size>\n<base64 root hash>\n[<extension line>\n]…`
 * of a signed note. Extension lines are opaque; the spec advises against them (monitors cannot
 * audit them), so kfm writes none but parses and keeps them.
 */
export interface Checkpoint {
  origin: string;
  size: number;
  rootHash: Uint8Array;
  extensions: string[];
}

export type CheckpointFailure =
  /** Fewer than three lines, an empty origin or extension line, or text not ending in a newline. */
  | 'CHECKPOINT_MALFORMED'
  /** The size line is not a decimal without leading zeroes (within 2^53). */
  | 'CHECKPOINT_SIZE'
  /** The root hash line is not the standard base64 of 32 bytes. */
  | 'CHECKPOINT_ROOT'
  /** Signed and well formed, but for another log than the one expected. */
  | 'ORIGIN_MISMATCH';

export type CheckpointParse =
  | { ok: true; checkpoint: Checkpoint }
  | { ok: false; failure: CheckpointFailure; message: string };

const fail = (failure: CheckpointFailure, message: string): CheckpointParse => ({
  ok: false,
  failure,
  message,
});

/** Parses checkpoint note text (the part a signed note's signatures cover). */
export function parseCheckpointText(text: string): CheckpointParse {
  if (!text.endsWith('\n')) return fail('CHECKPOINT_MALFORMED', 'checkpoint text must end in a newline');
  const lines = text.slice(0, -1).split('\n');
  const [origin, sizeText, rootText, ...extensions] = lines;
  if (lines.length < 3 || lines.some((line) => line.length === 0))
    return fail(
      'CHECKPOINT_MALFORMED',
      'a checkpoint is origin, size and root hash lines (and extension lines), none empty',
    );
  const size = parseDecimal(sizeText!);
  if (size === undefined)
    return fail(
      'CHECKPOINT_SIZE',
      `tree size ${JSON.stringify(sizeText)} is not a decimal without leading zeroes`,
    );
  const rootHash = decodeBase64(rootText!);
  if (rootHash === undefined || rootHash.length !== HASH_SIZE)
    return fail('CHECKPOINT_ROOT', `root hash ${JSON.stringify(rootText)} is not the base64 of 32 bytes`);
  return { ok: true, checkpoint: { origin: origin!, size, rootHash, extensions } };
}

/** The checkpoint's note text, exactly as the spec lays it out (sign it with signNote). */
export function formatCheckpointText(checkpoint: Checkpoint): string {
  const { origin, size, rootHash, extensions } = checkpoint;
  const lines = [origin, ...extensions];
  if (lines.some((line) => line.length === 0 || hasControlCharacter(line, false)))
    throw new KfmError(
      'INVALID_INPUT',
      'checkpoint origin and extension lines must be non-empty single lines',
    );
  if (!Number.isSafeInteger(size) || size < 0)
    throw new KfmError('INVALID_INPUT', `checkpoint tree size ${size} is not a non-negative integer`);
  if (rootHash.length !== HASH_SIZE)
    throw new KfmError(
      'INVALID_INPUT',
      `checkpoint root hash has ${rootHash.length} bytes, not ${HASH_SIZE}`,
    );
  return `${[origin, String(size), encodeBase64(rootHash), ...extensions].join('\n')}\n`;
}

export type CheckpointOpen =
  | { ok: true; checkpoint: Checkpoint; verified: NoteSignature[] }
  | { ok: false; failure: CheckpointFailure | NoteFailure; message: string };

/**
 * Opens a signed checkpoint: a known key's signature verifies (signed-note rules), the text is a
 * checkpoint, and its origin is the expected log's. Unknown signatures (witnesses, rotated keys)
 * are ignored.
 */
export function openCheckpoint(
  note: Uint8Array,
  verifiers: readonly NoteVerifier[],
  origin: string,
): CheckpointOpen {
  const opened = openNote(note, verifiers);
  if (!opened.ok) return opened;
  const parsed = parseCheckpointText(opened.text);
  if (!parsed.ok) return parsed;
  if (parsed.checkpoint.origin !== origin)
    return {
      ok: false,
      failure: 'ORIGIN_MISMATCH',
      message: `the checkpoint is of log ${JSON.stringify(parsed.checkpoint.origin)}, not ${JSON.stringify(origin)}`,
    };
  return { ok: true, checkpoint: parsed.checkpoint, verified: opened.verified };
}
