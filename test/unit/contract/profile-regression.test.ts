import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TOLERANCES,
  findRegressions,
  type PreviousProfile,
  profileRegressionCheck,
  type RegressionInput,
} from '../../../src/contract/validation/profile-regression.js';
import type { ColumnProfile, DatasetProfile } from '../../../src/events/index.js';

const column = (name: string, nulls: number, rows: number): ColumnProfile => ({
  name,
  type: 'integer',
  types: { integer: rows - nulls },
  nulls,
  null_rate: nulls / rows,
  distinct: rows - nulls,
  distinct_exact: true,
});
const profile = (rows: number, nulls: Record<string, number>): DatasetProfile => ({
  rows,
  artifacts: [{ path: 'p.csv', rows }],
  columns: Object.entries(nulls).map(([name, n]) => column(name, n, rows)),
});
const previous: PreviousProfile = {
  version_id: 'v0123456789abcdef',
  profile: profile(100, { pop: 0, year: 10 }),
  profile_version: 1,
};
const input = (current: DatasetProfile, overrides: Partial<RegressionInput> = {}): RegressionInput => ({
  previous,
  current,
  entry: null,
  windowed: false,
  ...overrides,
});

describe('findRegressions', () => {
  it('finds nothing within the default tolerances (±50 % rows, +25 points of nulls)', () => {
    expect(DEFAULT_TOLERANCES).toEqual({ row_count_change: 0.5, null_rate_increase: 0.25 });
    expect(findRegressions({ ...input(profile(150, { pop: 37, year: 10 })), previous })).toEqual([]);
  });

  it('names the metric, the column, the previous and the new value beyond tolerance', () => {
    const found = findRegressions({
      ...input(profile(40, { pop: 12, year: 4 }), {
        entry: {
          profile_tolerances: { null_rate_increase: 0.05, columns: { year: { null_rate_increase: 0.5 } } },
        },
      }),
      previous,
    });
    expect(found).toEqual([
      { column: null, metric: 'row_count_change', previous: 100, current: 40, tolerance: 0.5 },
      { column: 'pop', metric: 'null_rate_increase', previous: 0, current: 0.3, tolerance: 0.05 },
    ]);
  });

  it('leaves a windowed dataset\u2019s row count alone unless the registry declares row_count_change', () => {
    expect(
      findRegressions({ ...input(profile(3, { pop: 0, year: 0 }), { windowed: true }), previous }),
    ).toEqual([]);
    const declared = input(profile(3, { pop: 0, year: 0 }), {
      windowed: true,
      entry: { profile_tolerances: { row_count_change: 0.9 } },
    });
    expect(findRegressions({ ...declared, previous }).map((r) => r.metric)).toEqual(['row_count_change']);
  });

  it('compares only columns both profiles have', () => {
    expect(findRegressions({ ...input(profile(100, { fresh: 100 })), previous })).toEqual([]);
  });
});

describe('profileRegressionCheck', () => {
  const shrunk = profile(40, { pop: 0, year: 4 });

  it('passes with nothing to compare when no version has a profile yet', () => {
    expect(profileRegressionCheck(input(shrunk, { previous: null }))).toEqual({
      name: 'profile_regression',
      passed: true,
      message: 'no earlier published profile to compare with',
    });
  });

  it('passes within tolerance, naming the version compared with', () => {
    expect(profileRegressionCheck(input(profile(98, { pop: 0, year: 10 })))).toEqual({
      name: 'profile_regression',
      passed: true,
      message: 'within tolerance of v0123456789abcdef (100 → 98 rows)',
    });
  });

  it('fails beyond tolerance, saying what moved and how to accept it', () => {
    const check = profileRegressionCheck(input(shrunk));
    expect(check.passed).toBe(false);
    expect(check.message).toBe(
      'beyond tolerance of v0123456789abcdef (100 → 40 rows): row count 100 → 40 (−60 %), tolerance ±50 %; ' +
        'if the change is expected, raise profile_version (now 1) in the registry entry and say why in profile_explanation',
    );
    expect(check.details).toEqual({
      failed: 1,
      previous_version: 'v0123456789abcdef',
      regressions: [{ column: null, metric: 'row_count_change', previous: 100, current: 40, tolerance: 0.5 }],
    });
  });

  it('still fails when profile_version is raised without an explanation', () => {
    const check = profileRegressionCheck(input(shrunk, { entry: { profile_version: 2 } }));
    expect(check.passed).toBe(false);
    expect(check.message).toContain('profile_version is raised to 2 but profile_explanation is missing');
  });

  it('fails when profile_version stays where the last version had it', () => {
    const check = profileRegressionCheck(
      input(shrunk, {
        previous: { ...previous, profile_version: 2 },
        entry: { profile_version: 2, profile_explanation: 'old news' },
      }),
    );
    expect(check.passed).toBe(false);
  });

  it('passes when profile_version is raised with an explanation, recording it', () => {
    const check = profileRegressionCheck(
      input(shrunk, { entry: { profile_version: 2, profile_explanation: 'counties merged in 2025' } }),
    );
    expect(check).toEqual({
      name: 'profile_regression',
      passed: true,
      message:
        'beyond tolerance of v0123456789abcdef (100 → 40 rows), explained by profile_version 2: row count 100 → 40 (−60 %), tolerance ±50 %',
      details: {
        failed: 1,
        previous_version: 'v0123456789abcdef',
        regressions: [
          { column: null, metric: 'row_count_change', previous: 100, current: 40, tolerance: 0.5 },
        ],
        profile_version: 2,
        explanation: 'counties merged in 2025',
      },
    });
  });
});
