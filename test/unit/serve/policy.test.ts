import { describe, expect, it } from 'vitest';
import type { LedgerEvent } from '../../../src/projections/ledger-event.js';
import { etagMatches } from '../../../src/serve/handlers/artifacts.js';
import {
  checkCoordinates,
  classificationOf,
  isAggregateOutput,
  mayRead,
  requiredPrecision,
  wasGeneralized,
} from '../../../src/serve/policy.js';
import { matchRoute } from '../../../src/serve/router.js';

const anonymous = { kind: 'anonymous' } as const;
const token = (...roles: string[]) => ({ kind: 'token', id: 't', roles }) as const;

describe('classificationOf', () => {
  it('is null (not served at all) when licence, sensitivity, labels or a sensitive precision is missing', () => {
    const full = { license: 'CC0-1.0', sensitivity: 'public', policy_labels: ['open-data'] } as const;
    expect(classificationOf(full)).toEqual({
      license: 'CC0-1.0',
      sensitivity: 'public',
      policy_labels: ['open-data'],
    });
    expect(classificationOf({ ...full, license: undefined })).toBeNull();
    expect(classificationOf({ ...full, sensitivity: undefined })).toBeNull();
    expect(classificationOf({ ...full, policy_labels: [] })).toBeNull();
    expect(classificationOf({ ...full, sensitivity: 'sensitive-location' })).toBeNull();
    expect(
      classificationOf({
        ...full,
        sensitivity: 'sensitive-location',
        generalization: { precision_deg: 0.1 },
      }),
    ).toMatchObject({ precision_deg: 0.1 });
  });
});

describe('mayRead', () => {
  const restricted = {
    license: 'CC-BY-4.0',
    sensitivity: 'restricted',
    policy_labels: ['census', 'demographics'],
  } as const;
  const open = { license: 'CC0-1.0', sensitivity: 'public', policy_labels: ['open-data'] } as const;

  it('lets anyone read public data and only a token with a listed role read restricted data', () => {
    expect(mayRead([open], anonymous)).toBe(true);
    expect(mayRead([restricted], anonymous)).toBe(false);
    expect(mayRead([restricted], { kind: 'invalid', why: 'unknown' })).toBe(false);
    expect(mayRead([restricted], token('open-data'))).toBe(false);
    expect(mayRead([restricted], token('open-data', 'census'))).toBe(true);
  });

  it('needs every class to allow: a version published restricted stays restricted if the registry loosens', () => {
    expect(mayRead([open, restricted], anonymous)).toBe(false);
    expect(mayRead([restricted, open], token('demographics'))).toBe(true);
  });

  it('takes the coarsest precision of the sensitive classes', () => {
    const grid = (p: number) =>
      ({
        license: 'CC0-1.0',
        sensitivity: 'sensitive-location',
        policy_labels: ['x'],
        precision_deg: p,
      }) as const;
    expect(requiredPrecision([open])).toBeUndefined();
    expect(requiredPrecision([grid(0.1), grid(0.5), open])).toBe(0.5);
  });
});

describe('checkCoordinates', () => {
  const point = (lon: number, lat: number) => ({
    type: 'Feature',
    geometry: { type: 'Point', coordinates: [lon, lat] },
    properties: {},
  });
  const collection = (...features: unknown[]) => ({ type: 'FeatureCollection', features });

  it('passes GeoJSON whose every coordinate and bbox lies on the grid', () => {
    expect(checkCoordinates(collection(point(-98.5, 37.5), point(-96.8, 38.3)), 0.1)).toEqual({
      ok: true,
      features: 2,
    });
    expect(
      checkCoordinates({ ...collection(point(-98.5, 37.5)), bbox: [-98.5, 37.5, -98.5, 37.5] }, 0.1).ok,
    ).toBe(true);
    expect(checkCoordinates({ type: 'Point', coordinates: [1, 2] }, 0.1).ok).toBe(true);
  });

  it.each([
    ['a finer point', collection(point(-98.51234, 37.5))],
    ['one finer point among many', collection(point(-98.5, 37.5), point(-96.8, 38.31))],
    ['a finer feature bbox', collection({ ...point(-98.5, 37.5), bbox: [-98.512, 37.5, -98.5, 37.5] })],
    ['a finer collection bbox', { ...collection(point(-98.5, 37.5)), bbox: [-98.55, 37.5, -98.5, 37.5] }],
    [
      'a finer geometry bbox',
      collection({
        type: 'Feature',
        geometry: { type: 'Point', coordinates: [1, 2], bbox: [1.01, 2, 1, 2] },
      }),
    ],
    [
      'a finer polygon vertex',
      {
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            [0.1, 0],
            [0.1, 0.15],
            [0, 0],
          ],
        ],
      },
    ],
    ['a NaN-like coordinate', collection(point(Number.NaN, 37.5))],
    ['a CSV-like document', 'lat,lon\n37.51234,-98.5'],
    ['an unknown object', { type: 'Topology', objects: {} }],
  ])('refuses %s', (_name, document) => {
    expect(checkCoordinates(document, 0.1).ok).toBe(false);
  });
});

describe('what a run recorded', () => {
  const transform = (name: string, outputs: string[]) =>
    ({
      type: 'transform.applied',
      payload: { name, params: {}, inputs: [], outputs, summary: {} },
    }) as unknown as LedgerEvent;

  it('knows a generalized run and the artifacts an aggregate transform wrote (by file name)', () => {
    expect(wasGeneralized([transform('generalize_geometry', ['a.geojson'])])).toBe(true);
    expect(wasGeneralized([transform('clean', ['a.geojson'])])).toBe(false);
    const events = [
      transform('aggregate_by_county', ['runs/r1/artifacts/totals.csv']),
      transform('clean', ['rows.csv']),
    ];
    expect(isAggregateOutput('totals.csv', events)).toBe(true);
    expect(isAggregateOutput('rows.csv', events)).toBe(false);
    expect(isAggregateOutput('artifacts/totals.csv', events)).toBe(false);
  });
});

describe('matchRoute', () => {
  it('matches the routes of the API and nothing else', () => {
    expect(matchRoute(['datasets', 'ks_x', 'versions', 'v1', 'artifacts', 'a.csv'])?.params).toEqual({
      dataset_id: 'ks_x',
      version_id: 'v1',
      name: 'a.csv',
    });
    expect(matchRoute(['lineage', 'ks_x@v0123456789abcdef'])?.params).toEqual({
      id: 'ks_x@v0123456789abcdef',
    });
    expect(matchRoute(['raw', 'ks_x'])).toBeUndefined();
    expect(matchRoute(['datasets', 'ks_x', 'versions'])).toBeUndefined();
  });
});

describe('etagMatches (RFC 9110 §13.1.2)', () => {
  it('matches *, the tag itself, a weak form of it and lists', () => {
    expect(etagMatches(undefined, '"a"')).toBe(false);
    expect(etagMatches('*', '"a"')).toBe(true);
    expect(etagMatches('"a"', '"a"')).toBe(true);
    expect(etagMatches('W/"a"', '"a"')).toBe(true);
    expect(etagMatches('"b", "a"', '"a"')).toBe(true);
    expect(etagMatches('"b"', '"a"')).toBe(false);
  });
});
