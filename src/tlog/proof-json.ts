import { z } from 'zod';
import { decodeBase64, encodeBase64 } from './bytes.js';
import type { Checkpoint } from './checkpoint.js';
import { HASH_SIZE, type TreeHasher } from './tree-hasher.js';
import { type ProofFailure, verifyConsistency, verifyInclusion } from './verify-proof.js';

/**
 * The JSON forms of RFC 9162 proofs that `kfm prove` prints and `kfm verify-proof` checks. Hashes
 * are standard base64, as in checkpoints; fields not named here are ignored.
 */
const hash = z.string().refine((text) => decodeBase64(text)?.length === HASH_SIZE, {
  message: 'not the base64 of a 32-byte hash',
});
const size = z.int().min(0).max(Number.MAX_SAFE_INTEGER);

export const InclusionProofJson = z.object({
  index: size,
  tree_size: size,
  leaf_hash: hash,
  root_hash: hash,
  proof: z.array(hash),
});
export type InclusionProofJson = z.infer<typeof InclusionProofJson>;

export const ConsistencyProofJson = z.object({
  old_size: size,
  new_size: size,
  old_root: hash,
  new_root: hash,
  proof: z.array(hash),
});
export type ConsistencyProofJson = z.infer<typeof ConsistencyProofJson>;

export type ProofJson =
  | { kind: 'inclusion'; proof: InclusionProofJson }
  | { kind: 'consistency'; proof: ConsistencyProofJson };

/** Which proof a JSON value is, or the issues that make it neither (each `path: message`). */
export function parseProofJson(
  value: unknown,
): { ok: true; value: ProofJson } | { ok: false; issues: string[] } {
  const isInclusion = typeof value === 'object' && value !== null && 'leaf_hash' in value;
  const parsed = isInclusion ? InclusionProofJson.safeParse(value) : ConsistencyProofJson.safeParse(value);
  if (!parsed.success)
    return {
      ok: false,
      issues: parsed.error.issues.map((issue) => `${issue.path.join('.') || '(top)'}: ${issue.message}`),
    };
  return isInclusion
    ? { ok: true, value: { kind: 'inclusion', proof: parsed.data as InclusionProofJson } }
    : { ok: true, value: { kind: 'consistency', proof: parsed.data as ConsistencyProofJson } };
}

export type ProofJsonFailure =
  | ProofFailure
  /** `--entry` was given and its leaf hash is not the proof's. */
  | 'LEAF_MISMATCH'
  /** A checkpoint was given and the proof claims another root at the checkpoint's size, or no root of that size. */
  | 'CHECKPOINT_MISMATCH';

export type ProofJsonCheck = { ok: true } | { ok: false; failure: ProofJsonFailure };

const bytes = (text: string) => decodeBase64(text)!;
const same = (a: string, b: Uint8Array) => a === encodeBase64(b);

/**
 * Verifies a proof; with `entry`, also that the proof is about that entry's bytes; with a signed
 * checkpoint (already opened), also that the proof's root at the checkpoint's size is its root.
 */
export function checkProofJson(
  proof: ProofJson,
  hasher: TreeHasher,
  anchors: { entry?: Uint8Array; checkpoint?: Checkpoint } = {},
): ProofJsonCheck {
  const { entry, checkpoint } = anchors;
  if (proof.kind === 'inclusion') {
    const p = proof.proof;
    if (entry !== undefined && !same(p.leaf_hash, hasher.leaf(entry)))
      return { ok: false, failure: 'LEAF_MISMATCH' };
    if (
      checkpoint !== undefined &&
      !(checkpoint.size === p.tree_size && same(p.root_hash, checkpoint.rootHash))
    )
      return { ok: false, failure: 'CHECKPOINT_MISMATCH' };
    return verifyInclusion(
      hasher,
      p.index,
      p.tree_size,
      bytes(p.leaf_hash),
      p.proof.map(bytes),
      bytes(p.root_hash),
    );
  }
  const p = proof.proof;
  if (checkpoint !== undefined) {
    const claimed = [
      [p.old_size, p.old_root],
      [p.new_size, p.new_root],
    ] as const;
    if (!claimed.some(([s, root]) => s === checkpoint.size && same(root, checkpoint.rootHash)))
      return { ok: false, failure: 'CHECKPOINT_MISMATCH' };
  }
  return verifyConsistency(
    hasher,
    p.old_size,
    p.new_size,
    p.proof.map(bytes),
    bytes(p.old_root),
    bytes(p.new_root),
  );
}
