import { describe, expect, it } from 'vitest';
import type { ColumnProfile, DatasetProfile } from '../../../src/events/index.js';
import { diffVersions, type PublishedVersion } from '../../../src/projections/version-diff.js';

const H = (n: number) => n.toString(16).padStart(2, '0').repeat(32);
const column = (
  name: string,
  type: ColumnProfile['type'],
  extra: Partial<ColumnProfile> = {},
): ColumnProfile => ({
  name,
  type,
  types: {},
  nulls: 0,
  null_rate: 0,
  distinct: 4,
  distinct_exact: true,
  ...extra,
});
const version = (
  id: string,
  artifacts: PublishedVersion['artifacts'],
  profile?: DatasetProfile,
): PublishedVersion => ({
  dataset_id: 'ks_demo',
  version_id: id,
  seq: id === 'v1' ? 10 : 20,
  published_at: '2026-12-01T00:00:00.000Z',
  artifacts,
  ...(profile === undefined ? {} : { profile }),
});
const profile = (rows: number, columns: ColumnProfile[]): DatasetProfile => ({
  rows,
  artifacts: [],
  columns,
});

describe('diffVersions', () => {
  const before = version(
    'v1',
    [
      { path: 'a.csv', sha256: H(1), bytes: 10 },
      { path: 'b.csv', sha256: H(2), bytes: 20 },
      { path: 'gone.csv', sha256: H(3), bytes: 30 },
    ],
    profile(4, [
      column('fips', 'integer', { min: 20001, max: 20209 }),
      column('county', 'string'),
      column('old', 'string'),
    ]),
  );
  const after = version(
    'v2',
    [
      { path: 'a.csv', sha256: H(1), bytes: 10 },
      { path: 'b.csv', sha256: H(4), bytes: 25 },
      { path: 'new.csv', sha256: H(5), bytes: 5 },
    ],
    profile(5, [
      column('fips', 'string', { nulls: 1, null_rate: 0.2 }),
      column('county', 'string'),
      column('fresh', 'date'),
    ]),
  );

  it('sorts artifacts into added, removed, changed and unchanged by path and sha256', () => {
    expect(diffVersions(before, after).artifacts).toEqual({
      added: [{ path: 'new.csv', sha256: H(5), bytes: 5 }],
      removed: [{ path: 'gone.csv', sha256: H(3), bytes: 30 }],
      changed: [{ path: 'b.csv', from: { sha256: H(2), bytes: 20 }, to: { sha256: H(4), bytes: 25 } }],
      unchanged: ['a.csv'],
    });
  });

  it('reports columns added, removed and retyped, and every metric that moved', () => {
    const diff = diffVersions(before, after);
    expect(diff.profiled).toBe(true);
    expect(diff.rows).toEqual({ from: 4, to: 5 });
    expect(diff.columns).toEqual({
      added: ['fresh'],
      removed: ['old'],
      retyped: [{ name: 'fips', from: 'integer', to: 'string' }],
    });
    expect(diff.deltas).toEqual([
      { column: null, metric: 'rows', from: 4, to: 5 },
      { column: 'fips', metric: 'nulls', from: 0, to: 1 },
      { column: 'fips', metric: 'null_rate', from: 0, to: 0.2 },
      { column: 'fips', metric: 'min', from: 20001, to: null },
      { column: 'fips', metric: 'max', from: 20209, to: null },
    ]);
  });

  it('compares artifacts only when a version has no profile', () => {
    const diff = diffVersions(version('v1', before.artifacts), after);
    expect([diff.profiled, diff.rows, diff.deltas]).toEqual([false, null, []]);
    expect(diff.artifacts.unchanged).toEqual(['a.csv']);
  });
});
