import { nodeTreeHasher } from '../tlog/node-tree-hasher.js';
import type { HashSource } from '../tlog/prove.js';
import { type TileId, tileHashSource } from '../tlog/tiles.js';
import { HASH_SIZE } from '../tlog/tree-hasher.js';
import type { LedgerDoor } from './ledger-door.js';

const keyOf = (tile: TileId) => `${tile.level}/${tile.index}/${tile.width}`;

/**
 * Runs a pure computation over the tree of `size` (a proof, a root, a checkpoint plan) on the tiles
 * the door stores. The pure code reads tiles synchronously and the door answers asynchronously, so
 * the computation runs first on placeholder hashes to learn which tiles it reads (which tiles a
 * proof reads depends on positions, not on hash values), those are fetched in one call, and it runs
 * again; a computation that branches on a value it read may ask for more, so this repeats until a
 * run reads nothing it lacked. A proof reads a few tiles per tile level (docs/transparency-log.md).
 */
export async function withTreeHashes<T>(
  door: LedgerDoor,
  size: number,
  compute: (source: HashSource) => T,
): Promise<T> {
  const known = new Map<string, Uint8Array>();
  for (;;) {
    const missing = new Map<string, TileId>();
    const reader = (tile: TileId) => {
      const hashes = known.get(keyOf(tile));
      if (hashes !== undefined) return hashes;
      missing.set(keyOf(tile), tile);
      return new Uint8Array(tile.width * HASH_SIZE);
    };
    const result = compute(tileHashSource(size, reader, nodeTreeHasher));
    if (missing.size === 0) return result;
    const tiles = [...missing.values()];
    const read = await door.readTiles(tiles);
    for (const [i, tile] of tiles.entries()) known.set(keyOf(tile), read[i]!);
  }
}
