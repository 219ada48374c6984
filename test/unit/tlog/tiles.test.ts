import { bytesToHex } from '@noble/hashes/utils.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nobleTreeHasher } from '../../../src/tlog/noble-tree-hasher.js';
import { nodeTreeHasher } from '../../../src/tlog/node-tree-hasher.js';
import { treeRoot } from '../../../src/tlog/prove.js';
import { appendLeafHashes, EMPTY_FRONTIER } from '../../../src/tlog/tile-builder.js';
import {
  entryBundlePath,
  parseTilePath,
  type TileId,
  tileHashSource,
  tilePath,
  tileWidth,
} from '../../../src/tlog/tiles.js';
import { MemoryTileStore } from './tile-store.js';

const leaf = (i: number) => nodeTreeHasher.leaf(Uint8Array.of(i & 0xff, i >> 8, i >> 16));
const leaves = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => leaf(from + k));
const ids = (tiles: readonly TileId[]) =>
  tiles.map(({ level, index, width }) => tilePath({ level, index, width }));

/** Every tile the tree of `size` has, as tlog-tiles counts them. */
function census(size: number): string[] {
  const out: string[] = [];
  for (let level = 0; 256 ** level <= size; level++)
    for (let index = 0; tileWidth(size, level, index) > 0; index++)
      out.push(tilePath({ level, index, width: tileWidth(size, level, index) }));
  return out;
}

describe('tile paths (tlog-tiles)', () => {
  it('spell the index in x-prefixed 3-digit groups, as the spec example 1234067', () => {
    expect(tilePath({ level: 0, index: 1234067, width: 256 })).toBe('tile/0/x001/x234/067');
    expect(tilePath({ level: 2, index: 5, width: 17 })).toBe('tile/2/005.p/17');
    expect(entryBundlePath(1000, 3)).toBe('tile/entries/x001/000.p/3');
  });

  it('parse back to the same tile, for any tile', () => {
    const tile = fc.record({
      level: fc.integer({ min: 0, max: 63 }),
      index: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
      width: fc.integer({ min: 1, max: 256 }),
    });
    fc.assert(
      fc.property(tile, (t) => {
        expect(parseTilePath(tilePath(t))).toEqual(t);
      }),
    );
  });

  it.each([
    'tile/64/000',
    'tile/01/000',
    'tile/0/0',
    'tile/0/x000/123',
    'tile/0/x1/000',
    'tile/0/001/002',
    'tile/0/000.p/0',
    'tile/0/000.p/256',
    'tile/0/000.p/07',
    'tile/entries/000.p/',
    '/tile/0/000',
  ])('refuse the non-canonical or out-of-range path %s', (path) => {
    expect(parseTilePath(path)).toBeUndefined();
  });

  it('name entry bundles', () => {
    expect(parseTilePath('tile/entries/x001/000.p/3')).toEqual({ level: 'entries', index: 1000, width: 3 });
  });
});

describe('the tiles of a tree size', () => {
  it('are those of the spec example: size 70,000 has 273 full and one width-112 level-0 tile, …', () => {
    const tiles = census(70_000);
    expect(tiles.filter((p) => p.startsWith('tile/0/') && !p.includes('.p/'))).toHaveLength(273);
    expect(tiles.filter((p) => !p.startsWith('tile/0/') || p.includes('.p/'))).toEqual([
      'tile/0/273.p/112',
      'tile/1/000',
      'tile/1/001.p/17',
      'tile/2/000.p/1',
    ]);
  });

  it('of size 256 are a full level-0 tile and a width-1 level-1 tile', () => {
    expect(census(256)).toEqual(['tile/0/000', 'tile/1/000.p/1']);
  });
});

describe('appendLeafHashes', () => {
  it('emits each completed tile once and the new partial tile of every level it changed', () => {
    const store = new MemoryTileStore(nodeTreeHasher);
    expect(ids(store.append(leaves(0, 255)))).toEqual(['tile/0/000.p/255']);
    expect(ids(store.append(leaves(255, 256)))).toEqual(['tile/0/000', 'tile/1/000.p/1']);
    expect(ids(store.append(leaves(256, 257)))).toEqual(['tile/0/001.p/1']);
    expect(ids(store.append(leaves(257, 70_000)))).toEqual([
      // In completion order: tile 1/000 is full with the 65,536th leaf, inside level-0 tile 255.
      ...Array.from({ length: 255 }, (_, n) => tilePath({ level: 0, index: n + 1, width: 256 })),
      'tile/1/000',
      ...Array.from({ length: 17 }, (_, n) => tilePath({ level: 0, index: n + 256, width: 256 })),
      'tile/0/273.p/112',
      'tile/1/001.p/17',
      'tile/2/000.p/1',
    ]);
    expect(ids(store.append([]))).toEqual([]);
  });

  it('stores tiles whose hashes are the spec definition MTH(D[(n·256 + i)·256^L : …])', () => {
    const store = new MemoryTileStore(nodeTreeHasher);
    store.append(leaves(0, 70_000));
    const level1 = store.tiles.get('1/1')!;
    const source = tileHashSource(70_000, store.read, nodeTreeHasher);
    // Hash 3 of tile 1/1 covers leaves [(256 + 3)·256, (256 + 4)·256): a complete subtree of level 8.
    expect(bytesToHex(level1.hashes.subarray(3 * 32, 4 * 32))).toBe(
      bytesToHex(source.readHashes(8, 259, 260)[0]!),
    );
    expect(level1.width).toBe(17);
  });

  it('never changes a frontier or tile it handed out, when one frontier is grown twice', () => {
    fc.assert(
      fc.property(
        fc.nat(600),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 300 }),
        (n, a, b) => {
          const start = appendLeafHashes(EMPTY_FRONTIER, leaves(0, n), nodeTreeHasher).frontier;
          const first = appendLeafHashes(start, leaves(n, n + a), nodeTreeHasher);
          const before = first.tiles.map((t) => bytesToHex(t.hashes));
          const startBytes = start.partials.map(bytesToHex);
          const second = appendLeafHashes(start, leaves(10_000, 10_000 + b), nodeTreeHasher);

          expect(first.tiles.map((t) => bytesToHex(t.hashes))).toEqual(before);
          expect(start.partials.map(bytesToHex)).toEqual(startBytes);
          const alone = appendLeafHashes(
            appendLeafHashes(EMPTY_FRONTIER, leaves(0, n), nodeTreeHasher).frontier,
            leaves(10_000, 10_000 + b),
            nodeTreeHasher,
          );
          expect(second.frontier.partials.map(bytesToHex)).toEqual(alone.frontier.partials.map(bytesToHex));
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('the node:crypto and portable tree hashers', () => {
  it('give identical leaf and node hashes for any input', () => {
    const hash = fc.uint8Array({ minLength: 32, maxLength: 32 });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), hash, hash, (entry, left, right) => {
        expect(bytesToHex(nodeTreeHasher.leaf(entry))).toBe(bytesToHex(nobleTreeHasher.leaf(entry)));
        expect(bytesToHex(nodeTreeHasher.node(left, right))).toBe(
          bytesToHex(nobleTreeHasher.node(left, right)),
        );
      }),
    );
  });

  it('give the same root over a tree built by the other', () => {
    const store = new MemoryTileStore(nodeTreeHasher);
    store.append(leaves(0, 1000));
    const roots = [nodeTreeHasher, nobleTreeHasher].map((h) =>
      bytesToHex(treeRoot(tileHashSource(1000, store.read, h), h, 1000)),
    );
    expect(roots[0]).toBe(roots[1]);
  });
});
