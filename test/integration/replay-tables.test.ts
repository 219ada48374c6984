import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { monotonicFactory } from 'ulid';
import { beforeAll, describe, expect, it } from 'vitest';
import { nodeEventHasher } from '../../src/ledger/node-hasher.js';
import { sealEvents } from '../../src/ledger/pure/seal-events.js';
import { PROJECTION_TABLE_NAMES } from '../../src/ledger/read-models.js';
import { INSERT_EVENT, type SqliteLedger, storedRowValues } from '../../src/ledger/sqlite/sqlite-ledger.js';
import { decodeEvent } from '../../src/projections/ledger-event.js';
import { projectRows } from '../../src/projections/read-models.js';
import { useDemoRoots } from '../support/demo-root.js';
import { kfmJson, runKfm } from '../support/kfm-cli.js';
import { openKfmSqliteLedger } from '../support/kfm-ledgers.js';
import { ledgerPath, withLedgerFile } from '../support/ledger-file.js';
import { useTempDirs } from '../support/temp-dirs.js';
import { draftArb, historyArb } from '../unit/projections/lineage-events.js';

// The projection tables are caches of the ledger: kept current by every append, rebuilt by
// `kfm replay`, checked by `kfm replay --check`, and filled when a ledger from before them is opened.

const ACTOR = { tool: 'kfm', tool_version: 'test' };
type Replay = {
  ok: boolean;
  rows: number;
  rows_rewritten: number;
  row_drift: { table: string; key: string; expected_sha256: string | null; found_sha256: string | null }[];
  drift: unknown[];
};

/** Every table row, as stored, in a stable order. */
function tableRows(root: string): Record<string, unknown[]> {
  return withLedgerFile(ledgerPath(root), (db) =>
    Object.fromEntries(
      PROJECTION_TABLE_NAMES.map((t) => [t, db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2`).all()] as const),
    ),
  );
}

/** Every file under `dir`, path → bytes. */
function files(dir: string, under = dir): Map<string, Buffer> {
  const found = new Map<string, Buffer>();
  for (const name of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, name.name);
    if (name.isDirectory()) for (const [p, b] of files(path, under)) found.set(p, b);
    else found.set(relative(under, path), readFileSync(path));
  }
  return found;
}

async function rowsAgreeWithReplay(ledger: SqliteLedger): Promise<void> {
  const expected = projectRows([...ledger.readEvents()].map(decodeEvent));
  expect(ledger.projections!.rows()).toEqual(expected);
}

describe('kfm replay and the projection tables of a demo root', () => {
  const roots = useDemoRoots('replay-tables');
  let pristine = '';
  const copy = () => roots.clone(pristine);

  beforeAll(async () => {
    pristine = await roots.pristine();
  });

  it('reports no drift on a fresh root: every row equals its replay', async () => {
    const { status, json } = await kfmJson<Replay>(pristine, ['replay', '--check']);
    expect(status).toBe(0);
    expect(json).toMatchObject({ ok: true, rows: 9, rows_rewritten: 0, row_drift: [], drift: [] });
  });

  it('--check names a deleted and an edited row by table and key; kfm replay restores both', async () => {
    const root = copy();
    const before = tableRows(root);
    const { versionId, runId } = withLedgerFile(ledgerPath(root), (db) => {
      const v = db
        .prepare("SELECT version_id FROM proj_versions WHERE dataset_id = 'ks_mesonet_stations'")
        .get() as {
        version_id: string;
      };
      db.prepare("DELETE FROM proj_versions WHERE dataset_id = 'ks_mesonet_stations'").run();
      const r = db
        .prepare("SELECT run_id FROM proj_runs WHERE dataset_id = 'ks_county_population'")
        .get() as {
        run_id: string;
      };
      db.prepare("UPDATE proj_runs SET status = 'failed' WHERE dataset_id = 'ks_county_population'").run();
      return { versionId: v.version_id, runId: r.run_id };
    });

    const check = await kfmJson<Replay>(root, ['replay', '--check']);
    expect(check.status).toBe(1);
    expect(check.json.ok).toBe(false);
    expect(check.json.row_drift).toEqual([
      {
        table: 'proj_runs',
        key: `ks_county_population/${runId}`,
        expected_sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        found_sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
      {
        table: 'proj_versions',
        key: `ks_mesonet_stations/${versionId}`,
        expected_sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        found_sha256: null,
      },
    ]);
    expect(check.json.row_drift[0]!.expected_sha256).not.toBe(check.json.row_drift[0]!.found_sha256);
    const human = await runKfm(['--root', root, 'replay', '--check']);
    expect(human.stdout).toContain(`table proj_versions row ks_mesonet_stations/${versionId}`);

    const replay = await kfmJson<Replay>(root, ['replay']);
    expect(replay.status).toBe(0);
    expect(replay.json).toMatchObject({ ok: true, rows_rewritten: 2, row_drift: [] });
    expect(tableRows(root)).toEqual(before);
  });

  it('restores data/work, data/catalog and the emptied tables byte for byte', async () => {
    const root = copy();
    // Work artifacts are transform outputs, not projections: the ledger holds their hash, not bytes.
    const receipts = (dir: string) =>
      new Map([...files(dir)].filter(([path]) => !path.includes('/artifacts/')));
    const work = receipts(join(root, 'data/work'));
    expect([...work.keys()].filter((p) => p.endsWith('run_record.json'))).toHaveLength(3);
    const catalog = files(join(root, 'data/catalog'));
    const rows = tableRows(root);
    rmSync(join(root, 'data/work'), { recursive: true });
    rmSync(join(root, 'data/catalog'), { recursive: true });
    withLedgerFile(ledgerPath(root), (db) => {
      for (const table of PROJECTION_TABLE_NAMES) db.prepare(`DELETE FROM ${table}`).run();
    });

    const replay = await kfmJson<Replay>(root, ['replay']);
    expect(replay.status).toBe(0);
    expect(replay.json).toMatchObject({ ok: true, rows_rewritten: 9 });
    expect([...receipts(join(root, 'data/work')).keys()]).toEqual([...work.keys()]);
    expect(receipts(join(root, 'data/work'))).toEqual(work);
    expect(files(join(root, 'data/catalog'))).toEqual(catalog);
    expect(tableRows(root)).toEqual(rows);
  });
});

describe('the append hook', () => {
  const tempDir = useTempDirs('append-hook');

  it('leaves exactly the rows a rebuild gives, whatever the batches (incremental == rebuild)', async () => {
    await fc.assert(
      fc.asyncProperty(historyArb, async ({ batches }) => {
        const ledger = await openKfmSqliteLedger(join(tempDir(), 'kfm.sqlite'), {
          actor: ACTOR,
          create: true,
        });
        try {
          for (const batch of batches) ledger.appendEvents(batch);
          await rowsAgreeWithReplay(ledger);
          const incremental = ledger.projections!.rows();
          ledger.projections!.rebuild();
          expect(ledger.projections!.rows()).toEqual(incremental);
        } finally {
          ledger.close();
        }
      }),
      { numRuns: 25 },
    );
  });

  it('catches up with events another writer inserted without it', async () => {
    const path = join(tempDir(), 'kfm.sqlite');
    const drafts = fc.sample(draftArb, { numRuns: 40, seed: 7 });
    const ledger = await openKfmSqliteLedger(path, { actor: ACTOR, create: true });
    ledger.appendEvents(drafts.slice(0, 20));
    // A writer that knows nothing of the tables: the next batch goes in with plain SQL.
    const ulid = monotonicFactory();
    const sealed = sealEvents(drafts.slice(20, 30), {
      head: ledger.head(),
      actor: ACTOR,
      hasher: nodeEventHasher,
      now: Date.now,
      newEventId: (ms) => ulid(ms),
    });
    const insert = ledger.db.prepare(INSERT_EVENT);
    for (const event of sealed) insert.run(storedRowValues(event));
    ledger.appendEvents(drafts.slice(30));
    await rowsAgreeWithReplay(ledger);
    ledger.close();
  });

  it('rebuilds when the chain under the tables was rewritten', async () => {
    const path = join(tempDir(), 'kfm.sqlite');
    const drafts = fc.sample(draftArb, { numRuns: 30, seed: 11 });
    const first = await openKfmSqliteLedger(path, { actor: ACTOR, create: true });
    first.appendEvents(drafts.slice(0, 20));
    first.close();
    withLedgerFile(path, (db) => {
      db.exec('DROP TRIGGER events_refuse_delete');
      db.prepare('DELETE FROM events WHERE seq > 12').run();
    });
    const reopened = await openKfmSqliteLedger(path, { actor: ACTOR });
    await rowsAgreeWithReplay(reopened);
    reopened.appendEvents(drafts.slice(20));
    await rowsAgreeWithReplay(reopened);
    reopened.close();
  });
});

describe('a ledger written before the projection tables (schema 0002)', () => {
  const tempDir = useTempDirs('replay-upgrade');

  it('gets its tables filled by kfm migrate (readers say MIGRATION_REQUIRED before), and answers queries', async () => {
    const root = tempDir();
    const old = await openKfmSqliteLedger(ledgerPath(root), {
      actor: ACTOR,
      create: true,
      migrate: { upTo: '0002_event_read_indexes' },
    });
    old.appendEvents(fc.sample(draftArb, { numRuns: 50, seed: 3 }));
    old.close();
    expect(
      withLedgerFile(ledgerPath(root), (db) =>
        db.prepare("SELECT name FROM sqlite_master WHERE name = 'proj_runs'").get(),
      ),
    ).toBeUndefined();

    expect((await kfmJson(root, ['runs'])).json).toMatchObject({ code: 'MIGRATION_REQUIRED' });
    expect((await kfmJson(root, ['migrate'])).status).toBe(0);
    const runs = await kfmJson<{ dataset_id: string }[]>(root, ['runs']);
    expect(runs.status).toBe(0);
    expect(runs.json.length).toBeGreaterThan(0);
    const current = await openKfmSqliteLedger(ledgerPath(root), { actor: ACTOR });
    await rowsAgreeWithReplay(current);
    current.close();
    const db = new Database(ledgerPath(root), { readonly: true });
    expect(db.prepare('SELECT through_seq FROM proj_state').pluck().get()).toBe(50);
    db.close();
  });
});
