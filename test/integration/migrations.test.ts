import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { note, rawCaptured, toJsonLines } from '../support/drafts.js';
import { runKfm, runKfmJson } from '../support/kfm-cli.js';
import { openKfmSqliteLedger } from '../support/kfm-ledgers.js';
import { ledgerPath, readHead, sha256Hex, withLedgerFile } from '../support/ledger-file.js';
import { useTempDirs } from '../support/temp-dirs.js';

// A ledger outlives the kfm version that wrote it: a newer kfm verifies an older ledger in place
// (readers never migrate), `kfm migrate` and writers upgrade it, and an older kfm must refuse a
// ledger whose schema it does not know.

const ACTOR = { tool: 'kfm', tool_version: '0.0.1' };
const READ_INDEXES = ['events_by_dataset', 'events_by_run', 'events_by_type'];

function schemaOf(path: string): { migrations: string[]; indexes: string[] } {
  return withLedgerFile(path, (db) => ({
    migrations: db.prepare('SELECT name FROM kysely_migration ORDER BY name').pluck().all() as string[],
    indexes: db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' AND sql IS NOT NULL",
      )
      .pluck()
      .all() as string[],
  }));
}

/** Bytes, mtime and the folder beside it: what a reader must leave exactly as it found them. */
function fileState(path: string) {
  return {
    sha256: sha256Hex(readFileSync(path)),
    mtimeMs: statSync(path).mtimeMs,
    folder: readdirSync(dirname(path)).sort(),
  };
}

describe('a ledger written by an older schema version', () => {
  const tempRoot = useTempDirs('migrations');

  async function writeOldLedger(root: string): Promise<string> {
    const path = ledgerPath(root);
    const old = await openKfmSqliteLedger(path, {
      create: true,
      actor: ACTOR,
      migrate: { upTo: '0001_create_events' },
    });
    try {
      old.appendEvents([note('ds_a', 'run_1', 'one'), rawCaptured('ds_a', 'run_1', 'two')]);
      old.appendEvents([note('ds_b', 'run_2', 'three')]);
    } finally {
      old.close();
    }
    return path;
  }

  it('is verified in place by a reader, which migrates nothing and leaves the file as it was', async () => {
    const root = tempRoot();
    const path = await writeOldLedger(root);
    const before = readHead(path);
    const file = fileState(path);

    const verify = await runKfmJson(['--root', root, '--json', 'verify']);
    const deep = await runKfmJson(['--root', root, '--json', 'verify', '--deep']);
    const log = await runKfm(['--root', root, '--json', 'log', '--dataset_id', 'ds_a']);

    expect(verify.status).toBe(0);
    expect(verify.json).toMatchObject({ ok: true, events: 3, head: before, failures: [] });
    // --deep runs to the end in place: its only findings are the files this test never wrote and
    // the capture it appended outside any ingest stage (no runtime writes one there).
    expect(deep.json).toMatchObject({ events: 3, head: before });
    const deepCodes = new Set((deep.json.failures as { code: string }[]).map((f) => f.code));
    expect(deepCodes).toEqual(new Set(['RAW_FILE_MISSING', 'PROJECTION_DRIFT', 'EVENT_OUTSIDE_STAGE']));
    expect(log.stdout.trim().split('\n')).toHaveLength(2);
    expect(fileState(path)).toEqual(file);
    expect(schemaOf(path)).toEqual({ migrations: ['0001_create_events'], indexes: [] });
  });

  it('makes the query commands say MIGRATION_REQUIRED naming kfm migrate, which upgrades it once', async () => {
    const root = tempRoot();
    const path = await writeOldLedger(root);
    const before = readHead(path);

    const runs = await runKfmJson(['--root', root, '--json', 'runs']);
    expect(runs.status).toBe(2);
    expect(runs.json).toMatchObject({ code: 'MIGRATION_REQUIRED', details: { file: path } });
    expect(runs.json.message).toContain('kfm migrate');

    const migrate = await runKfmJson(['--root', root, '--json', 'migrate']);
    expect(migrate.status).toBe(0);
    expect(migrate.json).toEqual({
      ledger: path,
      from: '0001_create_events',
      to: '0007_tlog_leaves',
      applied: [
        '0002_event_read_indexes',
        '0003_projection_tables',
        '0004_runs_parent_run_id',
        '0005_transparency_log',
        '0007_tlog_leaves',
      ],
      tables_synced: true,
    });
    expect(schemaOf(path)).toEqual({
      migrations: [
        '0001_create_events',
        '0002_event_read_indexes',
        '0003_projection_tables',
        '0004_runs_parent_run_id',
        '0005_transparency_log',
        '0007_tlog_leaves',
      ],
      indexes: expect.arrayContaining(READ_INDEXES),
    });
    const again = await runKfmJson(['--root', root, '--json', 'migrate']);
    expect(again.json).toMatchObject({ from: '0007_tlog_leaves', applied: [], tables_synced: false });

    expect((await runKfm(['--root', root, 'runs'])).status).toBe(0);
    const append = await runKfm(['--root', root, 'append'], {
      input: toJsonLines([note('ds_a', 'run_3', 'four')]),
    });
    expect(append.status).toBe(0);
    const after = await runKfmJson(['--root', root, '--json', 'verify']);
    expect(after.json).toMatchObject({ ok: true, events: 4, failures: [] });
    expect(readHead(path).seq).toBe(before.seq + 1);
  });

  it('is migrated in place by the current append API too, keeping every event byte for byte', async () => {
    const root = tempRoot();
    const path = await writeOldLedger(root);
    const bodies = withLedgerFile(path, (db) =>
      db.prepare('SELECT body, hash FROM events ORDER BY seq').all(),
    );

    const current = await openKfmSqliteLedger(path, { actor: ACTOR });
    try {
      expect([...current.readEvents({ dataset_id: 'ds_a' })].map((row) => row.seq)).toEqual([1, 2]);
    } finally {
      current.close();
    }

    expect(schemaOf(path).indexes).toEqual(expect.arrayContaining(READ_INDEXES));
    expect(
      withLedgerFile(path, (db) => db.prepare('SELECT body, hash FROM events ORDER BY seq').all()),
    ).toEqual(bodies);
  });
});

describe('a ledger that records a migration unknown to this version', () => {
  const tempRoot = useTempDirs('migrations-new');

  async function ledgerFromTheFuture(): Promise<string> {
    const root = tempRoot();
    expect((await runKfm(['--root', root, 'init'])).status).toBe(0);
    expect(
      (await runKfm(['--root', root, 'append'], { input: toJsonLines([note('ds_a', 'run_1', 'x')]) })).status,
    ).toBe(0);
    const db = new Database(ledgerPath(root));
    db.prepare('INSERT INTO kysely_migration (name, timestamp) VALUES (?, ?)').run(
      '9999_from_a_newer_kfm',
      new Date(0).toISOString(),
    );
    db.close();
    return root;
  }

  it('is refused by the CLI with LEDGER_SCHEMA_TOO_NEW, exit 2, and left untouched', async () => {
    const root = await ledgerFromTheFuture();
    const before = readHead(ledgerPath(root));

    const [verify, append] = await Promise.all([
      runKfmJson(['--root', root, '--json', 'verify']),
      runKfm(['--root', root, 'append'], { input: toJsonLines([note('ds_a', 'run_1', 'y')]) }),
    ]);

    expect(verify.status).toBe(2);
    expect(verify.json).toMatchObject({ code: 'LEDGER_SCHEMA_TOO_NEW' });
    expect(append.status).toBe(2);
    expect(append.stderr).toContain('LEDGER_SCHEMA_TOO_NEW');
    expect(readHead(ledgerPath(root))).toEqual(before);
  });

  it('is refused by openSqliteLedger with code LEDGER_SCHEMA_TOO_NEW', async () => {
    const root = await ledgerFromTheFuture();
    await expect(openKfmSqliteLedger(ledgerPath(root), { actor: ACTOR })).rejects.toMatchObject({
      code: 'LEDGER_SCHEMA_TOO_NEW',
    });
  });
});
