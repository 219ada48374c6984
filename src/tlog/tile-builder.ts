import type { Tile, TileId, TileReader } from './tiles.js';
import { TILE_HEIGHT, TILE_WIDTH, tileWidth } from './tiles.js';
import { EMPTY_ROOT, HASH_SIZE, type TreeHasher } from './tree-hasher.js';

/**
 * All the incremental builder keeps: the tree size and, per tile level, the hashes of the rightmost
 * partial tile (0-255 of them). That is the right frontier in tile form: at most 255 × 32 bytes per
 * level, and exactly what the stored partial tiles hold, so it can be rebuilt from storage.
 */
export interface TreeFrontier {
  readonly size: number;
  readonly partials: readonly (readonly Uint8Array[])[];
}

export const EMPTY_FRONTIER: TreeFrontier = { size: 0, partials: [] };

/** The hash of a full tile: the root of the 8-level subtree over its 256 hashes. */
function fullTileRoot(hashes: readonly Uint8Array[], hasher: TreeHasher): Uint8Array {
  let level = hashes;
  while (level.length > 1)
    level = Array.from({ length: level.length / 2 }, (_, i) => hasher.node(level[2 * i]!, level[2 * i + 1]!));
  return level[0]!;
}

function tileOf(id: TileId, hashes: readonly Uint8Array[]): Tile {
  const bytes = new Uint8Array(hashes.length * HASH_SIZE);
  for (const [i, h] of hashes.entries()) bytes.set(h, i * HASH_SIZE);
  return { ...id, hashes: bytes };
}

/**
 * Appends leaf hashes (`SHA-256(0x00 || entry)`, RFC 9162 §2.1.1) to the tree. Returns the new
 * frontier and the tiles to store: every tile completed by this batch (width 256) and the new
 * partial tile of every level the batch changed. A stored tile with the same level and index is
 * superseded by the wider one; the narrower is its prefix, so older tree sizes still read it.
 */
export function appendLeafHashes(
  frontier: TreeFrontier,
  leafHashes: readonly Uint8Array[],
  hasher: TreeHasher,
): { frontier: TreeFrontier; tiles: Tile[] } {
  const partials = frontier.partials.map((p) => [...p]);
  const touched = new Set<number>();
  const tiles: Tile[] = [];
  let size = frontier.size;
  for (const leaf of leafHashes) {
    size++;
    let carry = leaf;
    for (let level = 0; ; level++) {
      const partial = partials[level] ?? [];
      partials[level] = partial;
      partial.push(carry);
      touched.add(level);
      if (partial.length < TILE_WIDTH) break;
      const index = size / TILE_WIDTH ** (level + 1) - 1;
      tiles.push(tileOf({ level, index, width: TILE_WIDTH }, partial));
      carry = fullTileRoot(partial, hasher);
      partials[level] = [];
    }
  }
  for (const level of [...touched].sort((a, b) => a - b)) {
    const partial = partials[level]!;
    if (partial.length > 0)
      tiles.push(
        tileOf(
          { level, index: Math.floor(size / TILE_WIDTH ** (level + 1)), width: partial.length },
          partial,
        ),
      );
  }
  return { frontier: { size, partials }, tiles };
}

/** The frontier of the tree of `size`, from its stored partial tiles (to resume appending). */
export function frontierFromTiles(size: number, readTile: TileReader): TreeFrontier {
  const partials: Uint8Array[][] = [];
  for (let level = 0; TILE_WIDTH ** level <= size; level++) {
    const index = Math.floor(size / TILE_WIDTH ** (level + 1));
    const width = tileWidth(size, level, index);
    const bytes = width === 0 ? new Uint8Array(0) : readTile({ level, index, width });
    partials.push(Array.from({ length: width }, (_, i) => bytes.slice(i * HASH_SIZE, (i + 1) * HASH_SIZE)));
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
    let at = 0;
    for (let k = TILE_HEIGHT - 1; k >= 0; k--) {
      if (at + 2 ** k > partial.length) continue;
      pieces.push(fullTileRoot(partial.slice(at, at + 2 ** k), hasher));
      at += 2 ** k;
    }
  }
  let root = pieces.pop()!;
  while (pieces.length > 0) root = hasher.node(pieces.pop()!, root);
  return root;
}
