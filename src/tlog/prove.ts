import { KfmError } from '../errors.js';
import { EMPTY_ROOT, type TreeHasher } from './tree-hasher.js';

/**
 * Where the prover reads stored hashes: `readHashes(level, start, end)` returns the hashes of the
 * complete subtrees `MTH(D[i * 2^level : (i + 1) * 2^level])` for `start <= i < end`. A tile store
 * answers it (tiles.ts); the prover asks for O(log n) of them per proof and never for a leaf range.
 */
export interface HashSource {
  readHashes(level: number, start: number, end: number): Uint8Array[];
}

/** A complete subtree: `2^level` leaves starting at `index * 2^level`. */
interface Piece {
  level: number;
  index: number;
}

/** Largest power of two strictly below n (n >= 2): RFC 9162's split point k. */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * The complete subtrees [lo, hi) is made of, left to right: every node of an RFC 9162 tree starts at
 * a multiple of its own width rounded up to a power of two, so greedy aligned pieces are exactly it.
 */
function piecesOf(lo: number, hi: number): Piece[] {
  const pieces: Piece[] = [];
  let at = lo;
  while (at < hi) {
    let level = 0;
    while (at % 2 ** (level + 1) === 0 && at + 2 ** (level + 1) <= hi) level++;
    pieces.push({ level, index: at / 2 ** level });
    at += 2 ** level;
  }
  return pieces;
}

/** MTH(D[lo:hi]) for a node of the tree: its complete pieces folded from the right (RFC 9162 §2.1.1). */
function subtreeHash(source: HashSource, hasher: TreeHasher, lo: number, hi: number): Uint8Array {
  const hashes = piecesOf(lo, hi).map(({ level, index }) => source.readHashes(level, index, index + 1)[0]!);
  let acc = hashes.pop()!;
  while (hashes.length > 0) acc = hasher.node(hashes.pop()!, acc);
  return acc;
}

function checkSize(name: string, value: number, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max)
    throw new KfmError(
      'USAGE',
      `${name} ${value} is out of range: it must be an integer from ${min} to ${max}`,
      {
        details: { [name]: value },
      },
    );
}

/** The root hash of the tree of `size` entries (RFC 9162 §2.1.1; the empty tree hashes no bytes). */
export function treeRoot(source: HashSource, hasher: TreeHasher, size: number): Uint8Array {
  checkSize('size', size, 0, Number.MAX_SAFE_INTEGER);
  return size === 0 ? EMPTY_ROOT : subtreeHash(source, hasher, 0, size);
}

/** PATH(index, D[0:size]) of RFC 9162 §2.1.3.1, leaf's sibling first. */
export function proveInclusion(
  source: HashSource,
  hasher: TreeHasher,
  index: number,
  size: number,
): Uint8Array[] {
  checkSize('size', size, 1, Number.MAX_SAFE_INTEGER);
  checkSize('index', index, 0, size - 1);
  const siblings: Uint8Array[] = [];
  let lo = 0;
  let hi = size;
  while (hi - lo > 1) {
    const k = splitPoint(hi - lo);
    if (index < lo + k) {
      siblings.push(subtreeHash(source, hasher, lo + k, hi));
      hi = lo + k;
    } else {
      siblings.push(subtreeHash(source, hasher, lo, lo + k));
      lo += k;
    }
  }
  return siblings.reverse();
}

/**
 * PROOF(size1, D[0:size2]) of RFC 9162 §2.1.4.1. Defined for 1 <= size1 <= size2: equal sizes
 * give the empty proof; from the empty tree there is nothing to prove (verify-proof.ts).
 */
export function proveConsistency(
  source: HashSource,
  hasher: TreeHasher,
  size1: number,
  size2: number,
): Uint8Array[] {
  checkSize('size2', size2, 1, Number.MAX_SAFE_INTEGER);
  checkSize('size1', size1, 1, size2);
  const siblings: Uint8Array[] = [];
  let lo = 0;
  let hi = size2;
  let m = size1;
  // RFC's flag b: true while the old tree's root is still a node on this path (it is then known).
  let whole = true;
  while (m !== hi - lo) {
    const k = splitPoint(hi - lo);
    if (m <= k) {
      siblings.push(subtreeHash(source, hasher, lo + k, hi));
      hi = lo + k;
    } else {
      siblings.push(subtreeHash(source, hasher, lo, lo + k));
      lo += k;
      m -= k;
      whole = false;
    }
  }
  const start = whole ? [] : [subtreeHash(source, hasher, lo, hi)];
  return [...start, ...siblings.reverse()];
}
