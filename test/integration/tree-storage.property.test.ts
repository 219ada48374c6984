import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openKfmLedger } from '../../src/compose/open-kfm-ledger.js';
import type { LedgerDoor } from '../../src/ledger/ledger-door.js';
import { nodeEventHasher } from '../../src/ledger/node-hasher.js';
import { withTreeHashes } from '../../src/ledger/tree-reads.js';
import { nodeTreeHasher } from '../../src/tlog/node-tree-hasher.js';
import { proveInclusion, treeRoot } from '../../src/tlog/prove.js';
import { TILE_WIDTH, type TileId, tileWidth } from '../../src/tlog/tiles.js';
import { memoryKfmLedger } from '../support/kfm-ledgers.js';
import { ledgerPath } from '../support/ledger-file.js';
import { useTempDirs } from '../support/temp-dirs.js';
import { NaiveTree } from '../unit/tlog/naive-tree.js';

// The tiles the appends store, whatever the batch sizes, are the tiles of RFC 9162's tree over the
// stored bodies, computed by the naive recursive definition (test/unit/tlog/naive-tree.ts); and the
// proofs read through the door are the naive ones.

const ACTOR = { tool: 'kfm', tool_version: 'test' };
const tempDir = useTempDirs('tree-storage');

/** Every tile of the tree of `size`, at its width in that tree. */
function tilesOf(size: number): TileId[] {
  const tiles: TileId[] = [];
  for (let level = 0; TILE_WIDTH ** level <= size; level++)
    for (let index = 0; tileWidth(size, level, index) > 0; index++)
      tiles.push({ level, index, width: tileWidth(size, level, index) });
  return tiles;
}

async function bodiesOf(door: LedgerDoor): Promise<Uint8Array[]> {
  const bodies: Uint8Array[] = [];
  for await (const row of door.read()) bodies.push(row.body);
  return bodies;
}

const doors: [string, () => Promise<LedgerDoor>][] = [
  ['memory', async () => memoryKfmLedger({ actor: ACTOR, hasher: nodeEventHasher })],
  [
    'SQLite',
    () =>
      openKfmLedger(`sqlite:${ledgerPath(tempDir())}`, {
        actor: ACTOR,
        hasher: nodeEventHasher,
        create: true,
      }),
  ],
];

describe.each(doors)('the tree a %s ledger stores in its appends', (_, open) => {
  it("has, for any batch sizes, the naive tree's tiles and proofs", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 6 }),
        fc.nat(),
        async (batches, pick) => {
          const door = await open();
          try {
            let n = 0;
            for (const size of batches)
              await door.append(
                Array.from({ length: size }, () => ({
                  type: 'x.test.note',
                  dataset_id: 'ks_t',
                  run_id: 'r1',
                  payload: { n: n++ },
                })),
              );
            const bodies = await bodiesOf(door);
            const naive = new NaiveTree(bodies);
            const size = bodies.length;
            expect(await door.treeSize()).toBe(size);
            const tiles = tilesOf(size);
            const stored = await door.readTiles(tiles);
            for (const [t, tile] of tiles.entries()) {
              const span = TILE_WIDTH ** tile.level;
              const expected = Buffer.concat(
                Array.from({ length: tile.width }, (_, i) => {
                  const lo = (tile.index * TILE_WIDTH + i) * span;
                  return naive.mth(lo, lo + span);
                }),
              );
              expect(Buffer.from(stored[t]!)).toEqual(expected);
            }
            const index = pick % size;
            const { root, proof } = await withTreeHashes(door, size, (source) => ({
              root: treeRoot(source, nodeTreeHasher, size),
              proof: proveInclusion(source, nodeTreeHasher, index, size),
            }));
            expect(Buffer.from(root)).toEqual(Buffer.from(naive.mth(0, size)));
            expect(proof.map((h) => Buffer.from(h))).toEqual(
              naive.path(index, 0, size).map((h) => Buffer.from(h)),
            );
          } finally {
            await door.close();
          }
        },
      ),
      { numRuns: 12, seed: 11 },
    );
  });
});
