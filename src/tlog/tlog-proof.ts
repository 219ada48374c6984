import { KfmError } from '../errors.js';
import { decodeBase64, decodeUtf8, encodeBase64, parseDecimal, utf8Bytes } from './bytes.js';
import { type Checkpoint, type CheckpointFailure, openCheckpoint } from './checkpoint.js';
import type { NoteVerifier } from './note-keys.js';
import type { NoteFailure } from './signed-note.js';
import { HASH_SIZE, type TreeHasher } from './tree-hasher.js';
import { type ProofFailure, verifyInclusion } from './verify-proof.js';

/**
 * C2SP tlog-proof (`c2sp.org/tlog-proof@v1`): an offline proof that an entry is in a log, made of
 * optional extra data, the entry's index, its inclusion proof and the signed checkpoint, verbatim.
 */
export const TLOG_PROOF_HEADER = 'c2sp.org/tlog-proof@v1';

export interface TlogProof {
  /** Opaque, unauthenticated application data (the `extra` line); absent when there is none. */
  extra?: Uint8Array;
  index: number;
  /** Inclusion proof hashes, the leaf's sibling first (RFC 9162 §2.1.3). */
  proof: Uint8Array[];
  /** The signed checkpoint note, byte for byte. */
  checkpoint: string;
}

export type TlogProofFailure = 'TLOG_PROOF_MALFORMED' | NoteFailure | CheckpointFailure | ProofFailure;

export type TlogProofParse =
  | { ok: true; proof: TlogProof }
  | { ok: false; failure: TlogProofFailure; message: string };

const malformed = (message: string): TlogProofParse => ({
  ok: false,
  failure: 'TLOG_PROOF_MALFORMED',
  message,
});

export function formatTlogProof(proof: TlogProof): string {
  if (proof.proof.some((h) => h.length !== HASH_SIZE))
    throw new KfmError('INVALID_INPUT', 'every inclusion proof hash is 32 bytes');
  if (proof.extra?.length === 0)
    throw new KfmError('INVALID_INPUT', 'extra data, when present, is not empty (leave it out instead)');
  const lines = [
    TLOG_PROOF_HEADER,
    ...(proof.extra === undefined ? [] : [`extra ${encodeBase64(proof.extra)}`]),
    `index ${proof.index}`,
    ...proof.proof.map(encodeBase64),
  ];
  return `${lines.join('\n')}\n\n${proof.checkpoint}`;
}

export function parseTlogProof(bytes: Uint8Array): TlogProofParse {
  const text = decodeUtf8(bytes);
  if (text === undefined)
    return { ok: false, failure: 'NOTE_NOT_UTF8', message: 'the proof is not valid UTF-8' };
  const blank = text.indexOf('\n\n');
  if (blank < 0) return malformed('the proof has no blank line before its checkpoint');
  const lines = text.slice(0, blank).split('\n');
  const checkpoint = text.slice(blank + 2);
  if (lines.shift() !== TLOG_PROOF_HEADER) return malformed(`the first line must be ${TLOG_PROOF_HEADER}`);
  let extra: Uint8Array | undefined;
  if (lines[0]?.startsWith('extra ')) {
    extra = decodeBase64(lines.shift()!.slice('extra '.length));
    if (extra === undefined || extra.length === 0) return malformed('the extra line is not non-empty base64');
  }
  const indexLine = lines.shift();
  const index = indexLine?.startsWith('index ') ? parseDecimal(indexLine.slice('index '.length)) : undefined;
  if (index === undefined) return malformed('expected "index <decimal without leading zeroes>"');
  const proof: Uint8Array[] = [];
  for (const [i, line] of lines.entries()) {
    const hash = decodeBase64(line);
    if (hash === undefined || hash.length !== HASH_SIZE)
      return malformed(`inclusion proof line ${i + 1} is not the base64 of a 32-byte hash`);
    proof.push(hash);
  }
  if (checkpoint.length === 0) return malformed('the proof has no checkpoint');
  return { ok: true, proof: { ...(extra === undefined ? {} : { extra }), index, proof, checkpoint } };
}

export type TlogProofCheck =
  | { ok: true; proof: TlogProof; checkpoint: Checkpoint }
  | { ok: false; failure: TlogProofFailure; message: string };

/**
 * The spec's verification: the checkpoint is the expected log's and signed by a trusted key, and the
 * inclusion proof binds `leafHash` (computed by the caller from the entry) to its root hash.
 */
export function verifyTlogProof(
  bytes: Uint8Array,
  leafHash: Uint8Array,
  trust: { origin: string; verifiers: readonly NoteVerifier[]; hasher: TreeHasher },
): TlogProofCheck {
  const parsed = parseTlogProof(bytes);
  if (!parsed.ok) return parsed;
  const { proof } = parsed;
  const opened = openCheckpoint(utf8Bytes(proof.checkpoint), trust.verifiers, trust.origin);
  if (!opened.ok) return opened;
  const { checkpoint } = opened;
  const included = verifyInclusion(
    trust.hasher,
    proof.index,
    checkpoint.size,
    leafHash,
    proof.proof,
    checkpoint.rootHash,
  );
  if (!included.ok)
    return {
      ok: false,
      failure: included.failure,
      message: `the inclusion proof of index ${proof.index} does not hold in the tree of size ${checkpoint.size} (${included.failure})`,
    };
  return { ok: true, proof, checkpoint };
}
