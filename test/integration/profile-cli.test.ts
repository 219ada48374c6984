import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DatasetProfile } from '../../src/events/index.js';
import type { VersionDiff } from '../../src/projections/version-diff.js';
import { SITES, STATIONS } from '../support/examples.js';
import { kfm, kfmLog, stage } from '../support/kfm-cli.js';
import { editRegistry, ingestEditedFixture } from '../support/promote-root.js';
import { initRoot } from '../support/stage-root.js';
import { useTempDirs } from '../support/temp-dirs.js';

// Issue 17, "Profiles": validate profiles the outputs, a regression beyond tolerance fails until the
// registry's profile_version is raised with an explanation, and `kfm profile` / `kfm diff` answer
// from the ledger alone — through the real CLI in a temporary root.

const roots = useTempDirs('profiles');
let root: string;
type Check = { name: string; passed: boolean; message: string; details?: Record<string, unknown> };
type ProfileJson = { dataset_id: string; version_id: string; profile: DatasetProfile };
let shrunkChecks: Check[];
let explainedChecks: Check[];
const runOf = async (id: string, runId: string) => {
  // The sites' transform generalizes their locations (sensitive-location).
  if (id === SITES) await stage(root, ['transform', id, '--run_id', runId]);
  await stage(root, ['validate', id, '--run_id', runId]);
  return stage<{ summary: { version_id: string } }>(root, ['promote', id, '--run_id', runId]);
};
const reportOf = (id: string, runId: string) =>
  JSON.parse(
    readFileSync(join(root, 'data', 'work', id, 'runs', runId, 'validation_report.json'), 'utf8'),
  ) as {
    checks: Check[];
    profile: DatasetProfile;
  };

beforeAll(async () => {
  root = roots();
  await initRoot(root);
  await stage(root, ['ingest', STATIONS, '--run_id', 'stations-1']);
  await runOf(STATIONS, 'stations-1');
  // Seven of ten stations gone: −70 % rows, beyond the default ±50 %.
  await ingestEditedFixture(root, STATIONS, 'stations-2', (doc) => {
    doc.features.splice(3);
  });
  await stage(root, ['validate', STATIONS, '--run_id', 'stations-2'], 3);
  shrunkChecks = reportOf(STATIONS, 'stations-2').checks;
  editRegistry(root, STATIONS, (entry) => {
    entry.set('profile_version', 2);
    entry.set('profile_explanation', 'seven stations decommissioned in 2026');
  });
  await runOf(STATIONS, 'stations-2');
  explainedChecks = reportOf(STATIONS, 'stations-2').checks;
  await stage(root, ['ingest', SITES, '--run_id', 'sites-1']);
  await runOf(SITES, 'sites-1');
  // Two of eight sites gone: −25 %, within the default tolerance.
  await ingestEditedFixture(root, SITES, 'sites-2', (doc) => {
    doc.features.splice(6);
  });
  await runOf(SITES, 'sites-2');
}, 120_000);

describe('validate with a profile beyond tolerance', () => {
  it('fails profile_regression naming the metric, the previous and the new value', () => {
    const check = shrunkChecks.find((c) => c.name === 'profile_regression');
    expect(check?.passed).toBe(false);
    expect(check?.message).toMatch(
      /^beyond tolerance of v[0-9a-f]{16} \(10 → 3 rows\): row count 10 → 3 \(−70 %\), tolerance ±50 %; if the change is expected, raise profile_version/,
    );
    expect(check?.details?.regressions).toEqual([
      { column: null, metric: 'row_count_change', previous: 10, current: 3, tolerance: 0.5 },
    ]);
  });

  it('passes once profile_version is raised, recording the explanation in the event', async () => {
    const check = explainedChecks.find((c) => c.name === 'profile_regression');
    expect(check?.passed).toBe(true);
    expect(check?.details).toMatchObject({
      profile_version: 2,
      explanation: 'seven stations decommissioned in 2026',
    });
    const reported = (await kfmLog(root, ['--type', 'validation.reported', '--run_id', 'stations-2'])).at(-1);
    const recorded = (reported!.payload as { checks: Check[] }).checks.find(
      (c) => c.name === 'profile_regression',
    );
    expect(recorded?.details?.explanation).toBe('seven stations decommissioned in 2026');
  });
});

describe('the profile in the ledger', () => {
  it('is in version.published as in validation_report.json', async () => {
    const published = (await kfmLog(root, ['--type', 'version.published', '--dataset_id', STATIONS])).at(-1);
    expect((published!.payload as { profile: DatasetProfile }).profile).toEqual(
      reportOf(STATIONS, 'stations-2').profile,
    );
  });

  it('kfm profile --json prints the latest version\u2019s, counted by hand from the fixture', async () => {
    const { json } = await stage<ProfileJson>(root, ['profile', STATIONS]);
    expect(json.profile.rows).toBe(3);
    expect(json.profile.keys).toEqual({
      fields: ['station_id'],
      distinct: 3,
      duplicates: 0,
      unique: true,
      distinct_exact: true,
    });
    expect(json.profile.geometry?.features).toBe(3);
    expect(json.profile.columns.map((c) => [c.name, c.type, c.nulls])).toEqual([
      ['county', 'string', 0],
      ['elevation_m', 'integer', 0],
      ['established', 'date', 0],
      ['name', 'string', 0],
      ['station_id', 'string', 0],
    ]);
  });

  it('kfm profile of a sensitive-location dataset shows its bbox on the 0.1° grid only', async () => {
    const { json } = await stage<ProfileJson>(root, ['profile', SITES]);
    expect(json.profile.generalized_deg).toBe(0.1);
    // The six sites' corners, −99.129508 … 39.428897 in the fixture, as their generalized cells.
    expect(json.profile.geometry?.bbox).toEqual([-99.1, 37.5, -96.8, 39.4]);
  });

  it('kfm profile prints a table of the columns', async () => {
    const run = await kfm(root, ['profile', STATIONS]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^ks_mesonet_stations@v[0-9a-f]{16} \(seq \d+\): 3 rows in 1 artifact\(s\)\n/);
    expect(run.stdout).toContain('keys station_id: unique, 3 distinct\n');
    expect(run.stdout).toMatch(/\nCOLUMN +TYPE +NULLS +NULL % +DISTINCT +MIN +MAX\n/);
  });

  it('kfm profile names an unknown version and exits 2', async () => {
    const run = await kfm(root, ['--json', 'profile', `${STATIONS}@v0000000000000000`]);
    expect(run.status).toBe(2);
    expect(JSON.parse(run.stdout)).toMatchObject({
      code: 'NOT_FOUND',
      details: { version_id: 'v0000000000000000' },
    });
  });
});

describe('kfm diff after a fixture change', () => {
  it('shows the changed artifact, the row counts and the profile deltas of the last two versions', async () => {
    const { json } = await stage<VersionDiff>(root, ['diff', STATIONS]);
    expect(json.artifacts.changed.map((c) => c.path)).toEqual(['stations.geojson']);
    expect([json.artifacts.added, json.artifacts.removed]).toEqual([[], []]);
    expect(json.rows).toEqual({ from: 10, to: 3 });
    expect(json.columns).toEqual({ added: [], removed: [], retyped: [] });
    expect(json.deltas).toContainEqual({ column: null, metric: 'rows', from: 10, to: 3 });
    expect(json.deltas).toContainEqual({ column: null, metric: 'geometry.features', from: 10, to: 3 });
  });

  it('compares two named versions of a change within tolerance', async () => {
    const versions = (await stage<{ version_id: string }[]>(root, ['versions', SITES])).json.map(
      (v) => v.version_id,
    );
    const { json } = await stage<VersionDiff>(root, [
      'diff',
      `${SITES}@${versions[0]}`,
      `${SITES}@${versions[1]}`,
    ]);
    expect([json.from.version_id, json.to.version_id]).toEqual(versions);
    expect(json.rows).toEqual({ from: 8, to: 6 });
    expect(json.deltas).toContainEqual({ column: 'site_id', metric: 'distinct', from: 8, to: 6 });
    expect(reportOf(SITES, 'sites-2').checks.find((c) => c.name === 'profile_regression')?.message).toBe(
      `within tolerance of ${versions[0]} (8 → 6 rows)`,
    );
  });

  it('prints the diff for people', async () => {
    const run = await kfm(root, ['diff', STATIONS]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('  ~ stations.geojson (');
    expect(run.stdout).toContain('rows: 10 → 3\n');
  });

  it('refuses versions of two datasets (exit 2)', async () => {
    const run = await kfm(root, ['diff', `${STATIONS}@v1`, `${SITES}@v2`]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('of one dataset');
  });
});
