import { describe, expect, it } from 'vitest';
import { openKfmLedger } from '../../src/compose/open-kfm-ledger.js';
import { copyLedger } from '../../src/ledger/copy-ledger.js';
import type { LedgerDoor } from '../../src/ledger/ledger-door.js';
import type { PostgresLedger } from '../../src/ledger/postgres/postgres-ledger.js';
import type { RowEvent } from '../../src/ledger/read-models.js';
import type { SqliteDoor } from '../../src/ledger/sqlite/sqlite-door.js';
import { projectRows } from '../../src/projections/read-models.js';
import { useDemoRoots } from '../support/demo-root.js';
import { ledgerPath } from '../support/ledger-file.js';
import { usePostgresDatabases, withPostgres } from '../support/postgres.js';

// The projection tables in PostgreSQL: the same reducers as SQLite's, kept current in the append
// transaction, filled by a copy, and answering the same queries with the same rows.

const ACTOR = { actor: { tool: 'kfm-test', tool_version: '0' } };
const demo = useDemoRoots('pg-proj');
const database = usePostgresDatabases();
let pristine: Promise<string> | undefined;
const demoRoot = () => {
  pristine ??= demo.pristine();
  return pristine;
};

async function opened<T>(
  target: string,
  use: (door: LedgerDoor) => Promise<T>,
  readOnly = false,
): Promise<T> {
  const door = await openKfmLedger(target, { ...ACTOR, readOnly });
  try {
    return await use(door);
  } finally {
    await door.close();
  }
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

describe('PostgreSQL projection tables', () => {
  it('hold after a copy exactly the rows SQLite holds, and answer the queries alike', async () => {
    const root = await demoRoot();
    const url = await database();
    await opened(ledgerPath(root), (sqlite) => opened(url, (pg) => copyLedger(sqlite, pg)), true);
    await opened(
      ledgerPath(root),
      (sqliteDoor) =>
        opened(url, async (pgDoor) => {
          const sqlite = sqliteDoor as SqliteDoor;
          const pg = pgDoor as PostgresLedger;
          expect(await pg.projectionRows()).toEqual(sqlite.ledger.requireCurrentTables().rows());
          const [a, b] = [await sqlite.projections(), await pg.projections()];
          expect(await b.runs()).toEqual(await a.runs());
          for (const id of await sqlite.datasetIds()) {
            const versions = await a.versions(id);
            expect(await b.versions(id)).toEqual(versions);
            const versionId = versions[0]?.version_id;
            if (typeof versionId === 'string')
              expect(await b.runsOfVersion(id, versionId)).toEqual(await a.runsOfVersion(id, versionId));
            expect(await b.runs({ dataset_id: id, status: 'succeeded' })).toEqual(
              await a.runs({ dataset_id: id, status: 'succeeded' }),
            );
          }
        }),
      true,
    );
  });

  it('are kept current by appends of any batch size, equal to the pure reducers over the events', async () => {
    const root = await demoRoot();
    const drafts = await opened(
      ledgerPath(root),
      async (door) =>
        (await collect(door.readDecoded())).map((e: RowEvent) => ({
          type: e.type,
          dataset_id: e.dataset_id,
          run_id: e.run_id,
          payload: e.payload,
        })),
      true,
    );
    const url = await database();
    await opened(url, async (door) => {
      for (let at = 0, size = 1; at < drafts.length; at += size, size = (size % 7) + 1) {
        await door.append(drafts.slice(at, at + size));
      }
      const events = await collect(door.readDecoded());
      const expected = projectRows(events);
      expect(expected.proj_versions.size).toBeGreaterThan(0);
      expect(await (door as PostgresLedger).projectionRows()).toEqual(expected);
    });
  });

  it('are rebuilt when a writer opens a ledger whose tables are behind, and a reader is told to migrate', async () => {
    const url = await database();
    const root = await demoRoot();
    await opened(ledgerPath(root), (sqlite) => opened(url, (pg) => copyLedger(sqlite, pg)), true);
    const before = await opened(url, async (door) => (door as PostgresLedger).projectionRows(), true);
    await withPostgres(url, async (client) => {
      await client.query('DELETE FROM proj_runs');
      await client.query('UPDATE proj_state SET through_seq = 3');
    });
    const refused = await opened(
      url,
      (door) =>
        door.projections().then(
          () => null,
          (e: { code: string }) => e.code,
        ),
      true,
    );
    expect(refused).toBe('MIGRATION_REQUIRED');
    await opened(url, async (door) => {
      expect(await (door as PostgresLedger).projectionRows()).toEqual(before);
      expect((await (await door.projections()).runs()).length).toBeGreaterThan(0);
    });
  });
});
