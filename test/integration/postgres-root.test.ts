import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openKfmLedger } from '../../src/compose/open-kfm-ledger.js';
import { startServer } from '../../src/serve/server.js';
import { useDemoRoots } from '../support/demo-root.js';
import { runKfm, runKfmJson } from '../support/kfm-cli.js';
import { usePostgresDatabases, withPostgres } from '../support/postgres.js';
import { http } from '../support/serve-http.js';

// Issue 12: every command works unchanged against a PostgreSQL ledger. `kfm demo` records into
// PostgreSQL; then each query command answers exactly as it does on an SQLite copy of the same
// events, verify --deep and replay --check hold, a killed stage is recovered, and a stage of a
// dataset whose lock another process holds waits, as on SQLite.

const database = usePostgresDatabases();
const roots = useDemoRoots('pg-root');
const actor = { tool: 'kfm', tool_version: 'test' };

/** A demo root whose ledger is a fresh PostgreSQL database, and an SQLite copy of that ledger. */
async function postgresDemo(): Promise<{ root: string; url: string; copy: string }> {
  const url = await database();
  const root = join(mkdtempSync(join(tmpdir(), 'kfm-pg-demo-')), 'demo');
  const demo = await runKfm(['demo', '--root', root, '--ledger', url]);
  expect(demo.status, demo.stderr).toBe(0);
  expect(demo.stdout).toMatch(/verified {2}\d+ events, chain intact/);
  const copy = join(mkdtempSync(join(tmpdir(), 'kfm-pg-copy-')), 'kfm.sqlite');
  const exported = await runKfm(['--root', root, '--ledger', url, 'export', '--to', copy]);
  expect(exported.status, exported.stderr).toBe(0);
  return { root, url, copy };
}

let shared: ReturnType<typeof postgresDemo> | undefined;
const demo = () => {
  shared ??= postgresDemo();
  return shared;
};

describe('a root whose ledger is PostgreSQL', () => {
  it('runs the demo end to end into the database, and every event is there', async () => {
    const { url } = await demo();
    const head = await runKfmJson<{ seq: number }>(['--ledger', url, '--json', 'head']);
    const count = await withPostgres(url, async (c) =>
      Number((await c.query('SELECT count(*) AS n FROM events')).rows[0].n),
    );
    expect(head.json.seq).toBe(count);
    expect(count).toBeGreaterThan(30);
  });

  it('answers every query command as an SQLite copy of the same ledger does', async () => {
    const { root, url, copy } = await demo();
    const versionOf = async (datasetId: string) =>
      (await runKfmJson<{ version_id: string }[]>(['--ledger', copy, '--json', 'versions', datasetId]))
        .json[0]!.version_id;
    const version = await versionOf('ks_mesonet_stations');
    const county = await versionOf('ks_county_population');
    const queries = [
      ['head'],
      ['log', '--limit', '5'],
      ['log', '--dataset_id', 'ks_county_population', '--type', 'run.completed'],
      ['runs'],
      ['versions', 'ks_mesonet_stations'],
      ['show', version],
      ['show', '3'],
      ['lineage', `ks_mesonet_stations@${version}`],
      ['lineage', 'ks_county_population', '--as-of', county],
      ['prov', 'ks_mesonet_stations'],
      ['openlineage', 'ks_mesonet_stations'],
    ];
    for (const query of queries) {
      const onPostgres = await runKfm(['--root', root, '--ledger', url, '--json', ...query]);
      const onSqlite = await runKfm(['--root', root, '--ledger', copy, '--json', ...query]);
      expect(onPostgres.status, `${query.join(' ')}: ${onPostgres.stderr}`).toBe(0);
      expect(onPostgres.stdout, query.join(' ')).toBe(onSqlite.stdout);
    }
  });

  it('refuses to run the demo into a database that already holds events (exit 2), writing nothing', async () => {
    const { url } = await demo();
    const before = await runKfmJson<{ seq: number }>(['--ledger', url, '--json', 'head']);
    const parent = mkdtempSync(join(tmpdir(), 'kfm-pg-again-'));
    const root = join(parent, 'demo');
    const again = await runKfmJson(['demo', '--root', root, '--ledger', url, '--json']);
    expect(again.status).toBe(2);
    expect(again.json).toMatchObject({ code: 'USAGE', details: { head: before.json } });
    expect((await runKfmJson(['--ledger', url, '--json', 'head'])).json).toEqual(before.json);
    expect(readdirSync(parent)).toEqual([]);
    // An earlier demo's root, which a demo would wipe, is left as it was too.
    mkdirSync(join(root, 'data'), { recursive: true });
    writeFileSync(join(root, '.kfm-demo'), 'made by `kfm demo`\n');
    writeFileSync(join(root, 'data', 'kept.txt'), 'kept\n');
    expect((await runKfmJson(['demo', '--root', root, '--ledger', url, '--json'])).status).toBe(2);
    expect(readdirSync(root, { recursive: true }).sort()).toEqual([
      '.kfm-demo',
      'data',
      join('data', 'kept.txt'),
    ]);
    expect(readFileSync(join(root, 'data', 'kept.txt'), 'utf8')).toBe('kept\n');
  });

  it('takes the ledger from KFM_LEDGER_URL when --ledger is not given', async () => {
    const { root, url } = await demo();
    const viaEnv = await runKfm(['--root', root, '--json', 'runs'], { env: { KFM_LEDGER_URL: url } });
    const viaFlag = await runKfm(['--root', root, '--ledger', url, '--json', 'runs']);
    expect(viaEnv.status).toBe(0);
    expect(
      JSON.parse(viaEnv.stdout)
        .map((r: { dataset_id: string }) => r.dataset_id)
        .sort(),
    ).toEqual(['ks_archaeological_sites', 'ks_county_population', 'ks_mesonet_stations']);
    expect(viaEnv.stdout).toBe(viaFlag.stdout);
  });

  it('verifies deep and replays with no drift', async () => {
    const { root, url } = await demo();
    const deep = await runKfmJson(['--root', root, '--ledger', url, '--json', 'verify', '--deep']);
    expect(deep.json).toMatchObject({ ok: true, failures: [] });
    expect(deep.status).toBe(0);
    const replay = await runKfmJson(['--root', root, '--ledger', url, '--json', 'replay', '--check']);
    expect(replay.json).toMatchObject({ ok: true, drift: [], row_drift: [] });
    const migrate = await runKfmJson(['--ledger', url, '--json', 'migrate']);
    expect(migrate.json).toMatchObject({ applied: [], tables_synced: false });
    expect(migrate.json.to).toBe(migrate.json.from);
  });

  it('serves the API from the database, as from the SQLite copy', async () => {
    const { root, url, copy } = await demo();
    const answers: string[] = [];
    for (const ledger of [url, copy]) {
      const server = await startServer({ root, ledger, port: 0, log: () => undefined });
      try {
        const listed = await http(server.url, '/datasets');
        expect(listed.status).toBe(200);
        const lineage = await http(server.url, '/lineage/ks_mesonet_stations');
        expect(lineage.status).toBe(200);
        answers.push(`${listed.text}\n${lineage.text}`);
      } finally {
        await server.close();
      }
    }
    expect(answers[0]).toBe(answers[1]);
  });
});

/** A copy of the demo root and of its ledger, in a database of its own, for a case that writes. */
async function demoCopy(): Promise<{ root: string; url: string }> {
  const { root: pristine, url: demoUrl } = await demo();
  const url = await database();
  const root = roots.clone(pristine);
  expect((await runKfm(['--root', root, '--ledger', demoUrl, 'export', '--to', url])).status).toBe(0);
  return { root, url };
}

describe('stages on a PostgreSQL ledger', () => {
  it('recover what a killed stage left: the next stage closes its run and the root verifies', async () => {
    const { root, url } = await demoCopy();
    const ingest = await runKfmJson<{ run_id: string }>([
      '--root',
      root,
      '--ledger',
      url,
      '--json',
      'ingest',
      'ks_mesonet_stations',
    ]);
    expect(ingest.status).toBe(0);
    const killed = await runKfm(
      ['--root', root, '--ledger', url, 'validate', 'ks_mesonet_stations', '--run_id', ingest.json.run_id],
      { env: { KFM_FAILPOINT: 'event/validation.reported/after' } },
    );
    expect(killed.status).toBeNull();
    const again = await runKfmJson([
      '--root',
      root,
      '--ledger',
      url,
      '--json',
      'validate',
      'ks_mesonet_stations',
      '--run_id',
      ingest.json.run_id,
    ]);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toContain('as failed with INTERRUPTED');
    const deep = await runKfmJson(['--root', root, '--ledger', url, '--json', 'verify', '--deep']);
    expect(deep.json).toMatchObject({ ok: true, failures: [] });
  });

  it('wait for the dataset lock another process holds (DATASET_BUSY), and take it once released', async () => {
    const { root, url } = await demoCopy();
    const holder = await openKfmLedger(url, { actor });
    try {
      const lock = await holder.lockDataset({
        datasetId: 'ks_mesonet_stations',
        stage: 'ingest',
        runId: 'HELD_BY_TEST',
        waitSeconds: 0,
      });
      const busy = await runKfmJson([
        '--root',
        root,
        '--ledger',
        url,
        '--json',
        'ingest',
        'ks_mesonet_stations',
        '--wait',
        '0',
      ]);
      expect(busy.status).toBe(2);
      expect(busy.json).toMatchObject({
        code: 'DATASET_BUSY',
        details: { dataset_id: 'ks_mesonet_stations', holder: { run_id: 'HELD_BY_TEST', pid: process.pid } },
      });
      await lock.release();
      const free = await runKfm([
        '--root',
        root,
        '--ledger',
        url,
        'ingest',
        'ks_mesonet_stations',
        '--wait',
        '0',
      ]);
      expect(free.status, free.stderr).toBe(0);
    } finally {
      await holder.close();
    }
  });

  it('free the lock of a holder killed while holding it, and say the lock was stale', async () => {
    const { root, url } = await demoCopy();
    const killed = await runKfm(['--root', root, '--ledger', url, 'ingest', 'ks_mesonet_stations'], {
      env: { KFM_FAILPOINT: 'lock/taken' },
    });
    expect(killed.status).toBeNull();
    const left = await withPostgres(
      url,
      async (c) => (await c.query('SELECT holder FROM dataset_locks')).rows,
    );
    expect(left).toHaveLength(1);
    const door = await openKfmLedger(url, { actor });
    try {
      const lock = await door.lockDataset({
        datasetId: 'ks_mesonet_stations',
        stage: 'recover',
        runId: null,
        waitSeconds: 0,
      });
      expect(lock.stale).toBe(true);
      expect(lock.takenOver).toMatchObject({ stage: 'ingest', host: left[0].holder.host });
      await lock.release();
    } finally {
      await door.close();
    }
    expect(
      await withPostgres(url, async (c) => (await c.query('SELECT 1 FROM dataset_locks')).rowCount),
    ).toBe(0);
  });
});
