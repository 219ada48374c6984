import { describe, expect, it } from 'vitest';
import { discloseProfile } from '../../../src/contract/validation/profile-disclosure.js';
import type { DatasetProfile } from '../../../src/events/index.js';

const measured: DatasetProfile = {
  rows: 2,
  artifacts: [{ path: 'sites.geojson', rows: 2 }],
  columns: [
    {
      name: 'depth_m',
      type: 'number',
      types: { number: 2 },
      nulls: 0,
      null_rate: 0,
      distinct: 2,
      distinct_exact: true,
      min: 0.37,
      max: 2.01,
    },
    {
      name: 'found',
      type: 'date',
      types: { date: 2 },
      nulls: 0,
      null_rate: 0,
      distinct: 2,
      distinct_exact: true,
      earliest: '1931-05-02',
      latest: '1977-10-12',
    },
  ],
  geometry: { features: 2, types: { Point: 2 }, bbox: [-98.537, 38.214, -97.02, 39.05] },
};

describe('discloseProfile', () => {
  it('leaves a public dataset as measured', () => {
    expect(discloseProfile(measured, { sensitivity: 'public' })).toEqual(measured);
  });

  it('reports counts only for a field the registry lists in restricted_fields', () => {
    const disclosed = discloseProfile(measured, { sensitivity: 'public', restricted_fields: ['found'] });
    expect(disclosed.columns[1]).toEqual({
      name: 'found',
      type: 'date',
      types: { date: 2 },
      nulls: 0,
      null_rate: 0,
      distinct: 2,
      distinct_exact: true,
      restricted: true,
    });
    expect(disclosed.columns[0]).toEqual(measured.columns[0]);
  });

  it.each(['restricted', 'aggregate-only', undefined] as const)(
    'reports counts only for every column of a dataset classed %s',
    (sensitivity) => {
      const disclosed = discloseProfile(measured, sensitivity === undefined ? {} : { sensitivity });
      expect(disclosed.columns.map((c) => [c.restricted, c.min, c.earliest])).toEqual([
        [true, undefined, undefined],
        [true, undefined, undefined],
      ]);
    },
  );

  it('widens a sensitive-location dataset\u2019s ranges and bbox outward to its grid', () => {
    const disclosed = discloseProfile(measured, {
      sensitivity: 'sensitive-location',
      generalization: { precision_deg: 0.1 },
    });
    expect(disclosed.columns[0]).toMatchObject({ min: 0.3, max: 2.1 });
    expect(disclosed.columns[1]).toMatchObject({ earliest: '1931-05-02', latest: '1977-10-12' });
    expect(disclosed.geometry?.bbox).toEqual([-98.6, 38.2, -97, 39.1]);
    expect(disclosed.generalized_deg).toBe(0.1);
  });

  it('drops the ranges and bbox of a sensitive-location dataset that declares no grid', () => {
    const disclosed = discloseProfile(measured, { sensitivity: 'sensitive-location' });
    expect(disclosed.columns[0]?.min).toBeUndefined();
    expect(disclosed.geometry?.bbox).toBeNull();
    expect(disclosed.generalized_deg).toBeUndefined();
  });
});
