import { copyFileSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { backfill, useBackfillRoots } from '../support/backfill-root.js';
import { useDemoRoots } from '../support/demo-root.js';
import { kfm, runKfm, runKfmJson, stage } from '../support/kfm-cli.js';
import { ledgerEvents, ledgerPath, readHead, withLedgerFile } from '../support/ledger-file.js';
import { useStageRoots } from '../support/stage-root.js';
import { makeWritable } from '../support/temp-dirs.js';

// Issue 10, items 4, 5 and 11: what `kfm verify --deep` must see beyond the events and the recorded
// files — projection table rows that differ from their replay, catalog files no event accounts for,
// and the leftovers of a crash — each planted in its own copy of a real demo root, and none of it
// reported on an honest root; and zones moved with the seed's --raw_dir/--work_dir/--processed_dir,
// which verify and replay find where the ledger says the dataset's runs put them.

interface Failure {
  seq?: number;
  path?: string;
  code: string;
  message: string;
  table?: string;
  key?: string;
}
interface DeepReport {
  ok: boolean;
  failures: Failure[];
  failures_omitted: number;
}
interface LoggedEvent {
  type: string;
  dataset_id: string;
  run_id: string;
  payload: Record<string, unknown>;
}

const roots = useDemoRoots('tamper-files');
const backfills = useBackfillRoots('tamper-files-backfill');
const stageRoots = useStageRoots('tamper-files-zones');
let pristine: string;
let events: LoggedEvent[];

beforeAll(async () => {
  pristine = await roots.pristine();
  const log = await runKfm(['--root', pristine, '--json', 'log']);
  events = log.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as LoggedEvent);
}, 120_000);

async function verifyDeep(root: string) {
  const run = await runKfmJson<DeepReport>(['--root', root, '--json', 'verify', '--deep']);
  return { status: run.status, report: run.json };
}

const findings = (report: DeepReport) => report.failures.map(({ path, code }) => ({ path, code }));

/** The demo's version of `dataset`: its id and the run that published it. */
function versionOf(dataset: string): { versionId: string; runId: string } {
  const event = events.find((e) => e.type === 'version.published' && e.dataset_id === dataset)!;
  return { versionId: event.payload.version_id as string, runId: event.run_id };
}

/** Writes `content` at `path` (relative to the root) of a copy, making its folder writable first. */
function plant(root: string, path: string, content = '{}\n'): void {
  const dir = dirname(join(root, path));
  mkdirSync(dir, { recursive: true });
  makeWritable(dir);
  writeFileSync(join(root, path), content);
}

describe('verify --deep on an honest root', () => {
  it('is clean on the demo root, and still after `kfm replay` rewrote every projection', async () => {
    const root = roots.clone(pristine);
    expect(await verifyDeep(root)).toMatchObject({ status: 0, report: { ok: true, failures: [] } });
    const replay = await runKfm(['--root', root, 'replay']);
    expect(replay.status, replay.stdout).toBe(0);
    expect(await verifyDeep(root)).toMatchObject({ status: 0, report: { ok: true, failures: [] } });
  });

  it('is clean after two overlapping backfills (child runs, windows, the lock taken and released)', async () => {
    const server = await backfills.upstream();
    const root = await backfills.root({ uri: server.base });
    for (const [since, until] of [
      ['2026-01-01', '2026-01-04'],
      ['2026-01-03', '2026-01-06'],
    ] as const) {
      const run = await backfill(root, since, until);
      expect(run.status, run.stderr).toBe(0);
    }
    expect(await verifyDeep(root.dir)).toMatchObject({ status: 0, report: { ok: true, failures: [] } });
    expect((await runKfm(['--root', root.dir, 'replay'])).status).toBe(0);
    expect(await verifyDeep(root.dir)).toMatchObject({ status: 0, report: { ok: true, failures: [] } });
  });
});

describe('PROJECTION_ROW_DRIFT: the projection tables against their replay', () => {
  it.each([
    [
      'an edited content hash',
      "UPDATE proj_versions SET content_hash = '00' WHERE dataset_id = 'ks_mesonet_stations'",
      'differs from its replay',
    ],
    ['a deleted row', "DELETE FROM proj_versions WHERE dataset_id = 'ks_mesonet_stations'", 'is missing'],
  ])('reports %s in proj_versions by table and key, and `kfm replay` repairs it', async (_, sql, what) => {
    const root = roots.clone(pristine);
    // The tables carry no append-only triggers (they are caches): whoever holds the file just writes.
    withLedgerFile(ledgerPath(root), (db) => db.prepare(sql).run());
    const { versionId } = versionOf('ks_mesonet_stations');
    const { status, report } = await verifyDeep(root);
    expect(report.failures).toEqual([
      expect.objectContaining({
        code: 'PROJECTION_ROW_DRIFT',
        table: 'proj_versions',
        key: `ks_mesonet_stations/${versionId}`,
      }),
    ]);
    expect(report.failures[0]!.message).toContain(what);
    expect(status).toBe(1);
    expect((await runKfm(['--root', root, 'replay'])).status).toBe(0);
    expect((await verifyDeep(root)).status).toBe(0);
  });

  it('reports a row of a dataset the ledger never heard of as having no event behind it', async () => {
    const root = roots.clone(pristine);
    withLedgerFile(ledgerPath(root), (db) =>
      db.exec(
        "INSERT INTO proj_versions (dataset_id, version_id, content_hash, run_id, seq, hash, published_at, supersedes, artifacts, bbox) SELECT 'ks_forged', version_id, content_hash, run_id, seq, hash, published_at, supersedes, artifacts, bbox FROM proj_versions WHERE dataset_id = 'ks_mesonet_stations'",
      ),
    );
    const { versionId } = versionOf('ks_mesonet_stations');
    const { status, report } = await verifyDeep(root);
    expect(report.failures).toEqual([
      expect.objectContaining({ code: 'PROJECTION_ROW_DRIFT', key: `ks_forged/${versionId}` }),
    ]);
    expect(report.failures[0]!.message).toContain('has no event behind it');
    expect(status).toBe(1);
  });
});

describe('CATALOG_FILE_UNEXPECTED: a catalog no catalog.emitted records', () => {
  it.each([
    ['a fake DCAT dataset', () => 'data/catalog/dcat/ks_forged.json'],
    ['a fake STAC item', () => 'data/catalog/stac/ks_mesonet_stations/items/v0000000000000000.json'],
    [
      'a fake PROV run',
      () => `data/catalog/prov/ks_county_population/run_${versionOf('ks_county_population').runId}X.json`,
    ],
  ])('reports %s with its path', async (_, pathOf) => {
    const root = roots.clone(pristine);
    const path = pathOf();
    plant(root, path);
    const { status, report } = await verifyDeep(root);
    expect(findings(report)).toEqual([{ path, code: 'CATALOG_FILE_UNEXPECTED' }]);
    expect(status).toBe(1);
  });

  it('reports a catalog replaced by a symlink, even to identical bytes', async () => {
    const root = roots.clone(pristine);
    const path = 'data/catalog/dcat/catalog.json';
    const copy = join(root, 'catalog-copy.json');
    copyFileSync(join(root, path), copy);
    rmSync(join(root, path));
    symlinkSync(copy, join(root, path));
    const { status, report } = await verifyDeep(root);
    expect(findings(report)).toEqual([{ path, code: 'CATALOG_FILE_UNEXPECTED' }]);
    expect(status).toBe(1);
  });
});

describe('TEMP_FILE_LEFT: what an interrupted write or promotion leaves', () => {
  const temp = '.a.csv.0123456789ab.tmp';
  it.each([
    ['raw', () => `data/raw/ks_county_population/${versionOf('ks_county_population').runId}/${temp}`],
    ['work', () => `data/work/ks_county_population/runs/${versionOf('ks_county_population').runId}/${temp}`],
    ['processed', () => `data/processed/ks_county_population/${temp}`],
    ['catalog', () => 'data/catalog/dcat/.catalog.json.abcdef012345.tmp'],
  ])('reports a temp file in %s, and only as TEMP_FILE_LEFT, naming `kfm recover`', async (_, pathOf) => {
    const root = roots.clone(pristine);
    const path = pathOf();
    plant(root, path, 'half a file');
    const { status, report } = await verifyDeep(root);
    expect(findings(report)).toEqual([{ path, code: 'TEMP_FILE_LEFT' }]);
    expect(report.failures[0]!.message).toMatch(/run `kfm recover( ks_county_population)?` to remove it/);
    expect(status).toBe(1);
  });

  it('reports the staging folder of an interrupted promotion once, as TEMP_FILE_LEFT', async () => {
    const root = roots.clone(pristine);
    const staging = `data/processed/ks_mesonet_stations/.staging-${versionOf('ks_mesonet_stations').runId}`;
    plant(root, `${staging}/stations.geojson`);
    plant(root, `${staging}/.stations.geojson.0123456789ab.tmp`);
    const { status, report } = await verifyDeep(root);
    expect(findings(report)).toEqual([{ path: staging, code: 'TEMP_FILE_LEFT' }]);
    expect(report.failures[0]!.message).toContain('kfm recover ks_mesonet_stations');
    expect(status).toBe(1);
  });
});

describe('zones moved with --raw_dir, --work_dir and --processed_dir', () => {
  const DS = 'ks_county_population';
  const MOVED = ['--raw_dir', 'alt/raw', '--work_dir', 'alt/work'];

  /** ingest, validate and promote of DS with every zone moved, the flags relative to the root as cwd. */
  async function movedRoot(): Promise<{ root: string; runId: string; versionId: string }> {
    const root = await stageRoots.root();
    const cwd = { cwd: root };
    const ingest = await stage(root, ['ingest', DS, ...MOVED], 0, cwd);
    const runId = ingest.json.run_id;
    await stage(root, ['validate', DS, '--run_id', runId, ...MOVED], 0, cwd);
    const promote = await stage(
      root,
      ['promote', DS, '--run_id', runId, ...MOVED, '--processed_dir', 'alt/processed'],
      0,
      cwd,
    );
    return { root, runId, versionId: promote.json.version_id as string };
  }

  it('records each zone relative to the root, and verify --deep and replay find every file there', async () => {
    const { root, versionId } = await movedRoot();
    const started = ledgerEvents(root, { type: 'run.started' }).map((e) => e.payload.args);
    expect(started).toEqual([
      expect.objectContaining({ raw_dir: 'alt/raw', work_dir: 'alt/work' }),
      expect.objectContaining({ raw_dir: 'alt/raw', work_dir: 'alt/work' }),
      expect.objectContaining({ raw_dir: 'alt/raw', work_dir: 'alt/work', processed_dir: 'alt/processed' }),
    ]);
    expect(existsSync(join(root, 'alt/processed', DS, versionId, 'checksums.sha256'))).toBe(true);
    expect(existsSync(join(root, 'data/processed', DS))).toBe(false);
    expect(await verifyDeep(root)).toMatchObject({ status: 0, report: { ok: true, failures: [] } });
    expect((await runKfm(['--root', root, 'replay', '--check'])).status).toBe(0);
  });

  it('reports a moved version folder that is gone, a stray file left in the default zone, at their paths', async () => {
    const { root, versionId } = await movedRoot();
    const version = `alt/processed/${DS}/${versionId}`;
    makeWritable(join(root, version));
    rmSync(join(root, version), { recursive: true });
    plant(root, `data/raw/${DS}/planted.csv`, 'a,b\n');
    const { status, report } = await verifyDeep(root);
    expect(findings(report)).toEqual([
      { path: `data/raw/${DS}/planted.csv`, code: 'RAW_FILE_UNEXPECTED' },
      { path: version, code: 'PROCESSED_FILE_MISSING' },
    ]);
    expect(status).toBe(1);
  });

  it('refuses a zone outside the root (exit 2, INVALID_INPUT), before anything is recorded or written', async () => {
    const root = await stageRoots.root();
    const ingest = await stage(root, ['ingest', DS]);
    await stage(root, ['validate', DS, '--run_id', ingest.json.run_id]);
    const head = readHead(ledgerPath(root));
    const elsewhere = join(stageRoots.dir(), 'elsewhere');
    const run = await kfm(root, [
      '--json',
      'promote',
      DS,
      '--run_id',
      ingest.json.run_id,
      '--processed_dir',
      elsewhere,
    ]);
    expect(run.status).toBe(2);
    expect(JSON.parse(run.stdout)).toMatchObject({
      code: 'INVALID_INPUT',
      details: { field: 'processed_dir', zone: 'processed' },
    });
    expect(readHead(ledgerPath(root))).toEqual(head);
    expect(existsSync(elsewhere)).toBe(false);
  });

  it('refuses a later stage that names another place for a zone the dataset already has, naming the flag to give', async () => {
    const root = await stageRoots.root();
    const ingest = await stage(root, ['ingest', DS, ...MOVED], 0, { cwd: root });
    const head = readHead(ledgerPath(root));
    const run = await kfm(root, ['--json', 'validate', DS, '--run_id', ingest.json.run_id]);
    expect(run.status).toBe(2);
    const error = JSON.parse(run.stdout) as {
      code: string;
      message: string;
      details: Record<string, unknown>;
    };
    expect(error).toMatchObject({
      code: 'INVALID_INPUT',
      details: { field: 'raw_dir', recorded: 'alt/raw' },
    });
    expect(error.message).toContain(`--raw_dir ${join(root, 'alt/raw')}`);
    expect(readHead(ledgerPath(root))).toEqual(head);
  });
});
