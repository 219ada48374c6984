import { appendLeafHashes, EMPTY_FRONTIER, type TreeFrontier } from '../../../src/tlog/tile-builder.js';
import { type Tile, type TileReader, tilePath } from '../../../src/tlog/tiles.js';
import type { TreeHasher } from '../../../src/tlog/tree-hasher.js';

/**
 * What the storage engineer will persist, in memory: one row per (level, index), a wider tile
 * replacing a narrower one, and reads served as the prefix the asked-for width needs.
 */
export class MemoryTileStore {
  readonly tiles = new Map<string, Tile>();
  frontier: TreeFrontier = EMPTY_FRONTIER;
  reads = 0;

  constructor(private readonly hasher: TreeHasher) {}

  append(leafHashes: readonly Uint8Array[]): Tile[] {
    const { frontier, tiles } = appendLeafHashes(this.frontier, leafHashes, this.hasher);
    for (const tile of tiles) {
      const stored = this.tiles.get(`${tile.level}/${tile.index}`);
      if (stored !== undefined && stored.width > tile.width)
        throw new Error(`${tilePath(tile)} narrows a stored tile`);
      this.tiles.set(`${tile.level}/${tile.index}`, tile);
    }
    this.frontier = frontier;
    return tiles;
  }

  readonly read: TileReader = (id) => {
    this.reads++;
    const stored = this.tiles.get(`${id.level}/${id.index}`);
    if (stored === undefined || stored.width < id.width)
      throw new Error(`no stored tile for ${tilePath(id)}`);
    return stored.hashes.subarray(0, id.width * 32);
  };
}
