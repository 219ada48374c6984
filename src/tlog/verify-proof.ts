import { equalBytes } from './bytes.js';
import { HASH_SIZE, type TreeHasher } from './tree-hasher.js';

/**
 * Why a proof does not hold. Proofs come from untrusted input (a bundle, a server), so every
 * outcome is a result, never an exception.
 */
export type ProofFailure =
  /** The index is not below the tree size, or the sizes are out of order. */
  | 'OUT_OF_RANGE'
  /** A consistency proof from the empty tree: RFC 9162 defines none, so it proves nothing. */
  | 'EMPTY_TREE'
  /** A leaf hash or proof hash is not 32 bytes. */
  | 'HASH_LENGTH'
  /** The proof has more or fewer hashes than the sizes call for. */
  | 'PROOF_LENGTH'
  /** The hashes do not lead to the claimed root(s). */
  | 'ROOT_MISMATCH';

export type ProofCheck = { ok: true } | { ok: false; failure: ProofFailure };

const FAIL = (failure: ProofFailure): ProofCheck => ({ ok: false, failure });
const OK: ProofCheck = { ok: true };

const isOdd = (n: number) => n % 2 === 1;
/** Sizes are plain numbers up to 2^53, so no 32-bit bitwise operators. */
const half = (n: number) => Math.floor(n / 2);

function popCount(n: number): number {
  let ones = 0;
  for (let v = n; v > 0; v = half(v)) ones += v % 2;
  return ones;
}

function sizedHashes(hashes: readonly Uint8Array[]): boolean {
  return hashes.every((h) => h.length === HASH_SIZE);
}

/** RFC 9162 §2.1.3.2: does `proof` show `leafHash` at `index` in the tree of `size` with `root`? */
export function verifyInclusion(
  hasher: TreeHasher,
  index: number,
  size: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): ProofCheck {
  if (!(Number.isSafeInteger(index) && Number.isSafeInteger(size) && index >= 0 && index < size))
    return FAIL('OUT_OF_RANGE');
  if (leafHash.length !== HASH_SIZE || !sizedHashes(proof)) return FAIL('HASH_LENGTH');
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) return FAIL('PROOF_LENGTH');
    if (isOdd(fn) || fn === sn) {
      r = hasher.node(p, r);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = hasher.node(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) return FAIL('PROOF_LENGTH');
  return equalBytes(r, root) ? OK : FAIL('ROOT_MISMATCH');
}

/**
 * RFC 9162 §2.1.4.2: does `proof` show that the tree of `size1` with `root1` is a prefix of the
 * tree of `size2` with `root2`? Equal sizes need an empty proof and equal roots. A proof from
 * size 0 is refused: the empty tree is a prefix of every tree, so such a "proof" shows nothing,
 * and the transparency-dev golden probes expect every size1 = 0 case to fail.
 */
export function verifyConsistency(
  hasher: TreeHasher,
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): ProofCheck {
  if (!(Number.isSafeInteger(size1) && Number.isSafeInteger(size2) && size1 >= 0 && size1 <= size2))
    return FAIL('OUT_OF_RANGE');
  if (size1 === 0) return FAIL('EMPTY_TREE');
  if (size1 === size2) {
    if (proof.length !== 0) return FAIL('PROOF_LENGTH');
    return equalBytes(root1, root2) ? OK : FAIL('ROOT_MISMATCH');
  }
  if (root1.length !== HASH_SIZE || root2.length !== HASH_SIZE || !sizedHashes(proof))
    return FAIL('HASH_LENGTH');
  if (proof.length === 0) return FAIL('PROOF_LENGTH');
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : [...proof];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return FAIL('PROOF_LENGTH');
    if (isOdd(fn) || fn === sn) {
      fr = hasher.node(c, fr);
      sr = hasher.node(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = hasher.node(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) return FAIL('PROOF_LENGTH');
  return equalBytes(fr, root1) && equalBytes(sr, root2) ? OK : FAIL('ROOT_MISMATCH');
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && popCount(n) === 1;
}
