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
import { ledgerPath, withLedgerFile } from '../support/ledger-file.js';
import { usePostgresDatabases, withPostgres } from '../support/postgres.js';
import { useTempDirs } from '../support/temp-dirs.js';
import { NaiveTree } from '../unit/tlog/naive-tree.js';

// The tiles the appends store, whatever the batch sizes, are the tiles of RFC 9162's tree over the
// stored bodies, computed by the naive recursive definition (test/unit/tlog/naive-tree.ts); and the
// proofs read through the door are the naive ones. Also across migration 0007, which moved the
// level-0 partial tile from one row to one row per leaf.

const ACTOR = { tool: 'kfm', tool_version: 'test' };
const tempDir = useTempDirs('tree-storage');
const database = usePostgresDatabases();

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
  ['PostgreSQL', async () => openKfmLedger(await database(), { actor: ACTOR, hasher: nodeEventHasher })],
];

const notes = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => ({
    type: 'x.test.note',
    dataset_id: 'ks_t',
    run_id: 'r1',
    payload: { n: from + i },
  }));

/** The door's tiles of its whole tree and an inclusion proof, against the naive tree of its bodies. */
async function expectNaiveTree(door: LedgerDoor, index: number): Promise<void> {
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
  const { root, proof } = await withTreeHashes(door, size, (source) => ({
    root: treeRoot(source, nodeTreeHasher, size),
    proof: proveInclusion(source, nodeTreeHasher, index % size, size),
  }));
  expect(Buffer.from(root)).toEqual(Buffer.from(naive.mth(0, size)));
  expect(proof.map((h) => Buffer.from(h))).toEqual(
    naive.path(index % size, 0, size).map((h) => Buffer.from(h)),
  );
}

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
            for (const size of batches) {
              await door.append(notes(n, size));
              n += size;
            }
            await expectNaiveTree(door, pick);
          } finally {
            await door.close();
          }
        },
      ),
      { numRuns: 12, seed: 11 },
    );
  });
});

/**
 * A ledger's tree as migration 0005 stored it, made from one stored by today's code: the level-0
 * partial tile's leaf rows folded back into one `tlog_tiles` row, `tlog_leaves` gone, 0007 unapplied.
 */
const asStoredBy0005 = {
  SQLite: (path: string) =>
    withLedgerFile(path, (db) => {
      const leaves = db.prepare('SELECT idx, hash FROM tlog_leaves ORDER BY idx').all() as {
        idx: number;
        hash: Buffer;
      }[];
      db.prepare('INSERT INTO tlog_tiles (level, idx, width, hashes) VALUES (0, ?, ?, ?)').run(
        Math.floor(leaves[0]!.idx / TILE_WIDTH),
        leaves.length,
        Buffer.concat(leaves.map((l) => l.hash)),
      );
      db.exec("DROP TABLE tlog_leaves; DELETE FROM kysely_migration WHERE name = '0007_tlog_leaves'");
    }),
  PostgreSQL: (url: string) =>
    withPostgres(url, async (client) => {
      await client.query(`INSERT INTO tlog_tiles (level, idx, width, hashes)
        SELECT 0, min(idx) / 256, count(*), string_agg(hash, ''::bytea ORDER BY idx) FROM tlog_leaves`);
      await client.query(
        "DROP TABLE tlog_leaves; DELETE FROM kysely_migration WHERE name = '0007_tlog_leaves'",
      );
    }),
};

const leafRows = {
  SQLite: (path: string) =>
    withLedgerFile(path, (db) => ({
      leaves: db.prepare('SELECT count(*) FROM tlog_leaves').pluck().get(),
      level0Partials: db
        .prepare('SELECT count(*) FROM tlog_tiles WHERE level = 0 AND width < 256')
        .pluck()
        .get(),
    })),
  PostgreSQL: (url: string) =>
    withPostgres(url, async (client) => ({
      leaves: Number((await client.query('SELECT count(*) AS n FROM tlog_leaves')).rows[0].n),
      level0Partials: Number(
        (await client.query('SELECT count(*) AS n FROM tlog_tiles WHERE level = 0 AND width < 256')).rows[0]
          .n,
      ),
    })),
};

const targets: [keyof typeof asStoredBy0005, () => Promise<string>][] = [
  ['SQLite', async () => ledgerPath(tempDir())],
  ['PostgreSQL', database],
];

describe.each(targets)(
  'a %s tree stored by migration 0005, its level-0 partial tile one row',
  (backend, target) => {
    it('becomes one row per leaf at migration 0007, and stays the naive tree as appends go on', async () => {
      const where = await target();
      const open = () => openKfmLedger(where, { actor: ACTOR, hasher: nodeEventHasher, create: true });
      const first = await open();
      await first.append(notes(0, 300));
      await first.close();
      await asStoredBy0005[backend](where);

      const migrated = await open();
      try {
        expect(await leafRows[backend](where)).toEqual({ leaves: 300 - TILE_WIDTH, level0Partials: 0 });
        await expectNaiveTree(migrated, 299);
        for (let n = 300; n < 520; n++) await migrated.append(notes(n, 1));
        expect(await leafRows[backend](where)).toEqual({ leaves: 520 - 2 * TILE_WIDTH, level0Partials: 0 });
        await expectNaiveTree(migrated, 400);
      } finally {
        await migrated.close();
      }
    });
  },
);
