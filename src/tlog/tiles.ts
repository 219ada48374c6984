import { KfmError } from '../errors.js';
import type { HashSource } from './prove.js';
import { HASH_SIZE, type TreeHasher } from './tree-hasher.js';

/**
 * C2SP tlog-tiles: a tile at tile level L holds up to 256 consecutive Merkle hashes of tree level
 * 8·L, `MTH(D[(n·256 + i)·256^L : (n·256 + i + 1)·256^L])`. The 7 tree levels between two tile
 * levels are not stored; they are rehashed from the tile below when a proof needs them.
 */
export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 2 ** TILE_HEIGHT;

/** A tile as the tree of some size has it: full (width 256) or partial (`.p/<width>`, 1..255). */
export interface TileId {
  level: number;
  index: number;
  width: number;
}

/** A tile with its hashes, `width` × 32 bytes concatenated, as served at `tile/<L>/<N>[.p/<W>]`. */
export interface Tile extends TileId {
  hashes: Uint8Array;
}

/** Reads the tile the tree needs: exactly `width` × 32 bytes (the prefix of a wider stored tile). */
export type TileReader = (tile: TileId) => Uint8Array;

/** How many hashes tile `index` at `level` has in the tree of `size` (0: the tree has no such tile). */
export function tileWidth(size: number, level: number, index: number): number {
  const hashesAtLevel = Math.floor(size / TILE_WIDTH ** level);
  return Math.max(0, Math.min(TILE_WIDTH, hashesAtLevel - index * TILE_WIDTH));
}

/** `<N>` of a tile path: zero-padded 3-digit elements, all but the last prefixed `x` (1234067 → x001/x234/067). */
function indexPath(index: number): string {
  const groups: string[] = [];
  let rest = index;
  do {
    groups.unshift(String(rest % 1000).padStart(3, '0'));
    rest = Math.floor(rest / 1000);
  } while (rest > 0);
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

function widthSuffix(width: number): string {
  return width === TILE_WIDTH ? '' : `.p/${width}`;
}

/** `tile/<L>/<N>[.p/<W>]`, relative to the log's prefix. */
export function tilePath(tile: TileId): string {
  return `tile/${tile.level}/${indexPath(tile.index)}${widthSuffix(tile.width)}`;
}

/** `tile/entries/<N>[.p/<W>]`: the entry bundle beside level-0 tile N. */
export function entryBundlePath(index: number, width: number): string {
  return `tile/entries/${indexPath(index)}${widthSuffix(width)}`;
}

const TILE_PATH = /^tile\/(0|[1-9][0-9]?|entries)\/((?:x[0-9]{3}\/)*[0-9]{3})(?:\.p\/([1-9][0-9]{0,2}))?$/;

/**
 * The tile a request path names, or undefined if the path is not one the spec allows (level 0-63,
 * no extra leading zeroes, width 1-255). `level: 'entries'` is an entry bundle.
 */
export function parseTilePath(
  path: string,
): (Omit<TileId, 'level'> & { level: number | 'entries' }) | undefined {
  const match = TILE_PATH.exec(path);
  if (match === null) return undefined;
  const [, levelText, indexText, widthText] = match;
  const level = levelText === 'entries' ? 'entries' : Number(levelText);
  if (typeof level === 'number' && level > 63) return undefined;
  const index = Number(indexText!.replaceAll(/[x/]/g, ''));
  const width = widthText === undefined ? TILE_WIDTH : Number(widthText);
  if (widthText !== undefined && width >= TILE_WIDTH) return undefined;
  // One spelling per tile: x000/123 is not 123.
  if (!Number.isSafeInteger(index) || indexPath(index) !== indexText) return undefined;
  return { level, index, width };
}

/** The tile's 8 tree levels: level 0 its hashes, each next level the pairs of the one below. */
function expandTile(hashes: Uint8Array, width: number, hasher: TreeHasher): Uint8Array[][] {
  const levels: Uint8Array[][] = [
    Array.from({ length: width }, (_, i) => hashes.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE)),
  ];
  for (let k = 1; k < TILE_HEIGHT; k++) {
    const below = levels[k - 1]!;
    levels.push(
      Array.from({ length: Math.floor(below.length / 2) }, (_, i) =>
        hasher.node(below[2 * i]!, below[2 * i + 1]!),
      ),
    );
  }
  return levels;
}

/**
 * A HashSource over the tiles of the tree of `size`: a hash at tree level 8·L + k (k < 8) is
 * rebuilt from 2^k hashes of one tile at tile level L. Each tile is read and expanded once per
 * source, so make one source per query (or per tree size, to share the work across many proofs).
 */
export function tileHashSource(size: number, readTile: TileReader, hasher: TreeHasher): HashSource {
  const expanded = new Map<string, Uint8Array[][]>();
  const levelsOf = (level: number, index: number): Uint8Array[][] => {
    const key = `${level}/${index}`;
    let levels = expanded.get(key);
    if (levels === undefined) {
      const tile = { level, index, width: tileWidth(size, level, index) };
      const hashes = readTile(tile);
      if (hashes.length !== tile.width * HASH_SIZE)
        throw new KfmError(
          'STORAGE_CORRUPT',
          `${tilePath(tile)} has ${hashes.length} bytes; a tile of width ${tile.width} has ${tile.width * HASH_SIZE}`,
          { details: { tile: tilePath(tile) } },
        );
      levels = expandTile(hashes, tile.width, hasher);
      expanded.set(key, levels);
    }
    return levels;
  };
  return {
    readHashes(level, start, end) {
      const tileLevel = Math.floor(level / TILE_HEIGHT);
      const k = level % TILE_HEIGHT;
      const perTile = TILE_WIDTH / 2 ** k;
      const out: Uint8Array[] = [];
      for (let i = start; i < end; i++) {
        const hash = levelsOf(tileLevel, Math.floor(i / perTile))[k]![i % perTile];
        if (hash === undefined)
          throw new KfmError(
            'USAGE',
            `the tree of size ${size} has no complete subtree ${i} at level ${level}`,
          );
        out.push(hash);
      }
      return out;
    },
  };
}
