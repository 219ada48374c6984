import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LedgerEvent } from '../../src/projections/ledger-event.js';
import { fixturePath, STATIONS } from '../support/examples.js';
import { kfmLog, type PromoteJson, stage } from '../support/kfm-cli.js';
import { ledgerEvents } from '../support/ledger-file.js';
import {
  type EntryState,
  ingestEditedFixture,
  processedEntries,
  readJson,
  treeState,
} from '../support/promote-root.js';
import { initRoot } from '../support/stage-root.js';
import { useTempDirs } from '../support/temp-dirs.js';

// Issue 4, "Tests": immutable content-addressed versions through the real CLI. One root goes
// through promote → promote the same run again (refused: the run is closed) → identical re-ingest →
// changed fixture, snapshotting
// data/processed/ks_mesonet_stations/ (bytes, mtimes, modes) after each step; crash cases each get
// a copy of the validated-but-unpromoted template.

const FIRST = 'stations-first';
const roots = useTempDirs('promote-versions');
let template: string;
let root: string;
const promoted: Record<'first' | 'rerun' | 'changed', PromoteJson> = {} as never;
const after: Record<keyof typeof promoted | 'again', Map<string, EntryState>> = {} as never;
/** The second promote of FIRST: refused, and the ledger's length before and after it. */
let again: { code: string; message: string; events: [number, number] };
let changedFixture: string;
let events: LedgerEvent[];

const processedDir = (r: string) => join(r, 'data', 'processed', STATIONS);

async function ingestAndValidate(r: string, runId: string): Promise<void> {
  await stage(r, ['ingest', STATIONS, '--run_id', runId]);
  await stage(r, ['validate', STATIONS, '--run_id', runId]);
}

async function promote(step: keyof typeof promoted, runId: string): Promise<void> {
  promoted[step] = (await stage<PromoteJson>(root, ['promote', STATIONS, '--run_id', runId])).json;
  after[step] = treeState(processedDir(root));
}

beforeAll(async () => {
  template = roots();
  await initRoot(template);
  await ingestAndValidate(template, FIRST);
  root = roots.clone(template);
  await promote('first', FIRST);
  const before = ledgerEvents(root).length;
  const refused = await stage<{ code: string; message: string }>(
    root,
    ['promote', STATIONS, '--run_id', FIRST],
    2,
  );
  again = { ...refused.json, events: [before, ledgerEvents(root).length] };
  after.again = treeState(processedDir(root));
  await ingestAndValidate(root, 'stations-rerun');
  await promote('rerun', 'stations-rerun');
  // The fixture with one value changed, ingested through --config under the same file name.
  changedFixture = await ingestEditedFixture(root, STATIONS, 'stations-changed', (doc) => {
    const station = doc.features[0]!.properties;
    station.elevation_m = (station.elevation_m as number) + 1;
  });
  await stage(root, ['validate', STATIONS, '--run_id', 'stations-changed']);
  await promote('changed', 'stations-changed');
  events = await kfmLog(root);
}, 240_000);

const v1 = () => promoted.first.version_id;
const sha256sumCheck = (dir: string) =>
  spawnSync('sha256sum', ['-c', '--strict', 'checksums.sha256'], { cwd: dir, encoding: 'utf8' });
/** The entries of one version folder in a snapshot of data/processed/<id>/. */
const versionState = (state: Map<string, EntryState>, versionId: string) =>
  [...state].filter(([path]) => path === versionId || path.startsWith(`${versionId}/`));

describe('the first promotion of a run', () => {
  it('publishes a content-addressed version: --json prints it, not reused', () => {
    expect(promoted.first).toMatchObject({ status: 'succeeded', exit: 0, reused: false, run_id: FIRST });
    expect(promoted.first.version_id).toBe(`v${promoted.first.content_hash.slice(0, 16)}`);
    expect([...after.first.keys()].sort()).toEqual(
      ['', v1(), `${v1()}/checksums.sha256`, `${v1()}/stations.geojson`].sort(),
    );
  });

  it('makes the version folder and its files read-only', () => {
    expect(after.first.get(v1())?.mode).toBe(0o555);
    expect(after.first.get(`${v1()}/stations.geojson`)?.mode).toBe(0o444);
    expect(after.first.get(`${v1()}/checksums.sha256`)?.mode).toBe(0o444);
  });

  it('writes checksums.sha256 that the real `sha256sum -c` accepts, over the published bytes', () => {
    const dir = join(processedDir(root), v1());
    const check = sha256sumCheck(dir);
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
    expect(check.stdout).toBe('stations.geojson: OK\n');
    // stations has no transform: the capture is published byte for byte.
    expect(readFileSync(join(dir, 'stations.geojson'))).toEqual(readFileSync(fixturePath(STATIONS)));
  });
});

describe('promoting identical outputs again', () => {
  it('refuses to promote the same run twice: RUN_CLOSED, nothing appended (the run is closed)', () => {
    expect(again.code).toBe('RUN_CLOSED');
    expect(again.message).toContain(
      `run ${FIRST} of ${STATIONS} is closed: its promote published version ${v1()}`,
    );
    expect(again.events[1]).toBe(again.events[0]);
    expect(events.filter((e) => e.type === 'version.reused' && e.run_id === FIRST)).toHaveLength(0);
  });

  it('reuses the version for a new run that ingested identical fixtures', () => {
    expect(promoted.rerun).toMatchObject({ status: 'succeeded', reused: true, version_id: v1() });
    expect(events.filter((e) => e.type === 'version.reused' && e.run_id === 'stations-rerun')).toHaveLength(
      1,
    );
    const published = events.filter((e) => e.type === 'version.published');
    expect(published.map((e) => (e.payload as { version_id: string }).version_id)).not.toContain(undefined);
    expect(published.filter((e) => (e.payload as { version_id: string }).version_id === v1())).toHaveLength(
      1,
    );
  });

  it('names the reusing runs with the same {run_id, seq} in `kfm versions` as in `kfm lineage`', async () => {
    const reuses = events
      .filter((e) => e.type === 'version.reused')
      .map((e) => ({ run_id: e.run_id, seq: e.seq }));
    const versions = (await stage<{ reused_by: unknown }[]>(root, ['versions', STATIONS])).json;
    const lineage = (
      await stage<{ versions: { reused_by: unknown }[] }>(root, ['lineage', STATIONS, '--format', 'json'])
    ).json;
    expect(versions[0]!.reused_by).toEqual(reuses);
    expect(lineage.versions[0]!.reused_by).toEqual(reuses);
  });

  it('rewrites nothing under data/processed/<id>/: same bytes, same mtimes, same modes', () => {
    expect(after.again).toEqual(after.first);
    expect(after.rerun).toEqual(after.first);
  });
});

describe('promoting a changed fixture', () => {
  const v2 = () => promoted.changed.version_id;

  it('publishes a new version whose version.published names the previous one in supersedes', () => {
    expect(promoted.changed).toMatchObject({ status: 'succeeded', reused: false });
    expect(v2()).not.toBe(v1());
    expect(processedEntries(root, STATIONS)).toEqual([v1(), v2()].sort());
    const published = events.find(
      (e) => e.type === 'version.published' && (e.payload as { version_id: string }).version_id === v2(),
    );
    expect(published).toMatchObject({ run_id: 'stations-changed', payload: { supersedes: v1() } });
    const dir = join(processedDir(root), v2());
    expect(sha256sumCheck(dir).status).toBe(0);
    expect(readFileSync(join(dir, 'stations.geojson'))).toEqual(readFileSync(changedFixture));
  });

  it('leaves the previous version exactly as it was: bytes, mtimes and modes', () => {
    expect(versionState(after.changed, v1())).toEqual(versionState(after.first, v1()));
    expect(sha256sumCheck(join(processedDir(root), v1())).status).toBe(0);
  });

  it('lists both versions as DCAT distributions', () => {
    const dcat = readJson<{ distribution: { downloadURL: string }[] }>(
      join(root, 'data', 'catalog', 'dcat', `${STATIONS}.json`),
    );
    const urls = dcat.distribution.map((d) => d.downloadURL);
    expect(urls).toHaveLength(2);
    for (const v of [v1(), v2()]) expect(urls.some((u) => u.includes(`/versions/${v}/`))).toBe(true);
  });

  it('leaves a ledger that `kfm verify` accepts', async () => {
    const { json } = await stage<{ ok: boolean; failures: unknown[] }>(root, ['verify']);
    expect(json).toMatchObject({ ok: true, failures: [] });
  });
});

describe.concurrent('after a promotion that crashed', () => {
  it('before the rename: removes the stale staging folder, publishes whole, leaves no partial version', async ({
    expect,
  }) => {
    const r = roots.clone(template);
    // What a crash mid-copy leaves: a staging folder holding a partial, read-only artifact.
    const staging = join(processedDir(r), `.staging-${FIRST}`);
    mkdirSync(staging, { recursive: true });
    writeFileSync(join(staging, 'stations.geojson'), readFileSync(fixturePath(STATIONS)).subarray(0, 200));
    chmodSync(join(staging, 'stations.geojson'), 0o444);
    const run = await stage<PromoteJson>(r, ['promote', STATIONS, '--run_id', FIRST]);
    expect(run.json).toMatchObject({ status: 'succeeded', reused: false, version_id: v1() });
    expect(run.stderr).toMatch(/stale staging/);
    expect(processedEntries(r, STATIONS)).toEqual([v1()]);
    expect(sha256sumCheck(join(processedDir(r), v1())).stdout).toBe('stations.geojson: OK\n');
    expect(versionState(treeState(processedDir(r)), v1()).map(([p, s]) => [p, s.mode, s.sha256])).toEqual(
      versionState(after.first, v1()).map(([p, s]) => [p, s.mode, s.sha256]),
    );
  });

  it('after the rename, before the event: adopts a version folder whose bytes are exact', async ({
    expect,
  }) => {
    const r = roots.clone(template);
    mkdirSync(processedDir(r), { recursive: true });
    cpSync(join(processedDir(root), v1()), join(processedDir(r), v1()), { recursive: true });
    const before = treeState(processedDir(r));
    const run = await stage<PromoteJson>(r, ['promote', STATIONS, '--run_id', FIRST]);
    expect(run.json).toMatchObject({ status: 'succeeded', reused: false, version_id: v1() });
    expect(run.stderr).toMatch(/adopted/);
    expect(ledgerEvents(r, { type: 'version.published' })).toEqual([
      expect.objectContaining({ run_id: FIRST, payload: expect.objectContaining({ version_id: v1() }) }),
    ]);
    expect(treeState(processedDir(r))).toEqual(before);
  });

  it('after the rename, before the event: refuses a version folder whose bytes are wrong', async ({
    expect,
  }) => {
    const r = roots.clone(template);
    const dir = join(processedDir(r), v1());
    mkdirSync(processedDir(r), { recursive: true });
    cpSync(join(processedDir(root), v1()), dir, { recursive: true });
    chmodSync(join(dir, 'stations.geojson'), 0o644);
    writeFileSync(join(dir, 'stations.geojson'), '{"type":"FeatureCollection","features":[]}\n');
    chmodSync(join(dir, 'stations.geojson'), 0o444);
    const before = treeState(processedDir(r));
    const run = await stage<{ code: string; message: string }>(
      r,
      ['promote', STATIONS, '--run_id', FIRST],
      4,
    );
    expect(run.json.code).toBe('IO');
    expect(run.json.message).toMatch(/does not hold the version it names/);
    expect(ledgerEvents(r, { type: 'version.published' })).toEqual([]);
    expect(treeState(join(r, 'data', 'catalog'))).toEqual(new Map([['', expect.anything()]]));
    expect(treeState(processedDir(r))).toEqual(before);
  });
});
