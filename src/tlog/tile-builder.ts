import type { Tile, TileReader } from './tiles.js';
import { TILE_HEIGHT, TILE_WIDTH, tileWidth } from './tiles.js';
import { EMPTY_ROOT, HASH_SIZE, type TreeHasher } from './tree-hasher.js';

/**
 * All the incremental builder keeps: the tree size and, per tile level, the bytes of the rightmost
 * partial tile (0-255 hashes). That is the right frontier in tile form: at most 255 × 32 bytes per
 * level, and exactly what the stored partial tiles hold, so it can be rebuilt from storage.
 */
export interface TreeFrontier {
  readonly size: number;
  readonly partials: readonly Uint8Array[];
}

export const EMPTY_FRONTIER: TreeFrontier = { size: 0, partials: [] };

const FULL_TILE_BYTES = TILE_WIDTH * HASH_SIZE;

/**
 * How far each level-0 tile buffer has been written. A frontier's level-0 partial that ends there
 * is extended in place: the bytes it shows are never written again, so every frontier and tile
 * handed out keeps its value, and a one-event append neither allocates nor copies the partial tile
 * (it did both, ~4 KiB on average, at every append). Any other partial is copied first.
 */
const written = new WeakMap<ArrayBufferLike, number>();

/** A full tile's room for the level-0 partial `partial`: its own buffer extended, or a fresh copy. */
function level0Room(partial: Uint8Array): Uint8Array {
  const end = partial.byteOffset + partial.byteLength;
  if (
    written.get(partial.buffer) === end &&
    partial.buffer.byteLength >= partial.byteOffset + FULL_TILE_BYTES
  )
    return new Uint8Array(partial.buffer, partial.byteOffset, FULL_TILE_BYTES);
  const bytes = new Uint8Array(FULL_TILE_BYTES);
  bytes.set(partial);
  return bytes;
}

function hashAt(bytes: Uint8Array, i: number): Uint8Array {
  return bytes.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE);
}

/** The root of the complete subtree over `count` (a power of two) hashes starting at hash `from`. */
function subtreeRoot(bytes: Uint8Array, from: number, count: number, hasher: TreeHasher): Uint8Array {
  let level = Array.from({ length: count }, (_, i) => hashAt(bytes, from + i));
  while (level.length > 1) {
    const below = level;
    level = Array.from({ length: below.length / 2 }, (_, i) => hasher.node(below[2 * i]!, below[2 * i + 1]!));
  }
  return level[0]!;
}

/**
 * Appends leaf hashes (`SHA-256(0x00 || entry)`, RFC 9162 §2.1.1) to the tree. Returns the new
 * frontier and the tiles to store: every tile completed by this batch (width 256, in completion
 * order), then the new partial tile of every level the batch changed. A stored tile with the same
 * level and index is superseded by the wider one; the narrower is its prefix, so older tree sizes
 * still read it. Call it once per transaction with all its entries: each call rewrites the partials.
 */
export function appendLeafHashes(
  frontier: TreeFrontier,
  leafHashes: readonly Uint8Array[],
  hasher: TreeHasher,
): { frontier: TreeFrontier; tiles: Tile[] } {
  // Working copies of the partial tiles, so adding a hash is one copy of 32 bytes; level 0 grows in
  // place where it can (level0Room).
  const work: Uint8Array[] = [];
  const counts: number[] = [];
  const levelOf = (level: number) => {
    if (work[level] === undefined) {
      const partial = frontier.partials[level] ?? new Uint8Array(0);
      const bytes = level === 0 ? level0Room(partial) : new Uint8Array(FULL_TILE_BYTES);
      if (level > 0) bytes.set(partial);
      work[level] = bytes;
      counts[level] = partial.length / HASH_SIZE;
    }
    return work[level]!;
  };
  const tiles: Tile[] = [];
  let size = frontier.size;
  for (const leaf of leafHashes) {
    size++;
    let carry = leaf;
    for (let level = 0; ; level++) {
      const bytes = levelOf(level);
      bytes.set(carry, counts[level]! * HASH_SIZE);
      counts[level]!++;
      if (counts[level]! < TILE_WIDTH) break;
      const index = size / TILE_WIDTH ** (level + 1) - 1;
      tiles.push({ level, index, width: TILE_WIDTH, hashes: level === 0 ? bytes : bytes.slice() });
      carry = subtreeRoot(bytes, 0, TILE_WIDTH, hasher);
      counts[level] = 0;
      if (level === 0) {
        // Handed out as it is, so never written again; the next tile starts in a new buffer.
        written.set(bytes.buffer, bytes.byteOffset + FULL_TILE_BYTES);
        work[0] = new Uint8Array(FULL_TILE_BYTES);
      }
    }
  }
  const partials = [...frontier.partials];
  for (const [level, bytes] of work.entries()) {
    if (bytes === undefined) continue;
    const used = counts[level]! * HASH_SIZE;
    if (level === 0) written.set(bytes.buffer, bytes.byteOffset + used);
    const hashes = level === 0 ? bytes.subarray(0, used) : bytes.slice(0, used);
    partials[level] = hashes;
    if (hashes.length > 0)
      tiles.push({
        level,
        index: Math.floor(size / TILE_WIDTH ** (level + 1)),
        width: counts[level]!,
        hashes,
      });
  }
  return { frontier: { size, partials }, tiles };
}

/** The frontier of the tree of `size`, from its stored partial tiles (to resume appending). */
export function frontierFromTiles(size: number, readTile: TileReader): TreeFrontier {
  const partials: Uint8Array[] = [];
  for (let level = 0; TILE_WIDTH ** level <= size; level++) {
    const index = Math.floor(size / TILE_WIDTH ** (level + 1));
    const width = tileWidth(size, level, index);
    partials.push(width === 0 ? new Uint8Array(0) : readTile({ level, index, width }).slice());
  }
  return { size, partials };
}

/**
 * The root of the frontier's tree: the complete subtrees of the size's binary decomposition, from
 * the highest tile level down, each rebuilt from 2^k hashes of a partial tile, folded from the right.
 */
export function frontierRoot(frontier: TreeFrontier, hasher: TreeHasher): Uint8Array {
  if (frontier.size === 0) return EMPTY_ROOT;
  const pieces: Uint8Array[] = [];
  for (let level = frontier.partials.length - 1; level >= 0; level--) {
    const partial = frontier.partials[level]!;
    const count = partial.length / HASH_SIZE;
    let at = 0;
    for (let k = TILE_HEIGHT - 1; k >= 0; k--) {
      if (at + 2 ** k > count) continue;
      pieces.push(subtreeRoot(partial, at, 2 ** k, hasher));
      at += 2 ** k;
    }
  }
  let root = pieces.pop()!;
  while (pieces.length > 0) root = hasher.node(pieces.pop()!, root);
  return root;
}
