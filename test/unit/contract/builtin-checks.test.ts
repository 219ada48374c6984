import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runChecks, type ValidationInput } from '../../../src/contract/validation/builtin-checks.js';
import { geometryProblem } from '../../../src/contract/validation/geometry.js';
import { readRecords } from '../../../src/contract/validation/read-records.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const feature = (coordinates: unknown, properties: Record<string, unknown>) => ({
  type: 'Feature',
  geometry: { type: 'Point', coordinates },
  properties,
});
const collection = (...features: unknown[]) => JSON.stringify({ type: 'FeatureCollection', features });

function input(overrides: Partial<ValidationInput> = {}): ValidationInput {
  return {
    connector: { record: z.strictObject({ id: z.string(), day: z.iso.date() }), time_fields: ['day'] },
    registry: { license: 'CC0-1.0', sensitivity: 'public', policy_labels: ['open'], spatial: true },
    read: readRecords('geojson', [
      { path: 'a.geojson', bytes: bytes(collection(feature([-98.1, 38.2], { id: 'a', day: '2026-01-02' }))) },
    ]),
    window: {},
    raw: [{ path: 'r/a.geojson', expected: 'x', found: 'x' }],
    ...overrides,
  };
}

const byName = (checks: ReturnType<typeof runChecks>) => Object.fromEntries(checks.map((c) => [c.name, c]));

describe('runChecks', () => {
  it('passes a valid spatial dataset on every built-in check', () => {
    const checks = runChecks(input());
    expect(checks.map((c) => c.name)).toEqual([
      'license_present',
      'sensitivity_present',
      'policy_labels_present',
      'raw_checksums',
      'readable',
      'schema',
      'geometry',
      'crs',
      'time_window',
    ]);
    expect(checks.every((c) => c.passed)).toBe(true);
  });

  it('fails each registry field that is missing', () => {
    const checks = byName(runChecks(input({ registry: { spatial: false } })));
    expect(checks.license_present?.passed).toBe(false);
    expect(checks.sensitivity_present?.passed).toBe(false);
    expect(checks.policy_labels_present?.passed).toBe(false);
  });

  it('fails raw_checksums when a raw file changed or vanished', () => {
    const checks = byName(
      runChecks(
        input({
          raw: [
            { path: 'r/a', expected: 'x', found: 'y' },
            { path: 'r/b', expected: 'x', found: null },
          ],
        }),
      ),
    );
    expect(checks.raw_checksums).toMatchObject({ passed: false, details: { failed: 2 } });
  });

  it('names failing rows and fields but never the values, so sensitive data cannot leak', () => {
    const secretLon = -98.123456789;
    const read = readRecords('geojson', [
      {
        path: 'a.geojson',
        bytes: bytes(
          collection(
            feature([secretLon, 38.2], { id: 7, day: 'SECRET-DAY' }),
            feature([999, 38.2], { id: 'b', day: '2026-01-01' }),
          ),
        ),
      },
    ]);
    const checks = runChecks(input({ read }));
    const text = JSON.stringify(checks);
    expect(byName(checks).schema).toMatchObject({
      passed: false,
      details: { failed: 1, rows: [{ file: 'a.geojson', index: 0 }], fields: ['day', 'id'] },
    });
    expect(byName(checks).geometry).toMatchObject({
      passed: false,
      details: { rows: [{ file: 'a.geojson', index: 1 }] },
    });
    expect(text).not.toContain('SECRET-DAY');
    expect(text).not.toContain(String(secretLon));
    expect(text).not.toContain('999');
  });

  it('records the declared record schema on the schema check, passed or failed: names and types, no value', () => {
    const declared = [
      { name: 'id', type: 'string' },
      { name: 'day', type: 'date' },
    ];
    expect(byName(runChecks(input())).schema).toEqual({
      name: 'schema',
      passed: true,
      message: '1 record(s) pass',
      details: { declared_fields: declared },
    });
    // The feature's `day` is no field of this strict schema ("(record)"), its id 'a' no number, its note missing.
    const record = z.strictObject({
      id: z.coerce.number().int(),
      note: z.string().nullable(),
      flag: z.boolean().optional(),
    });
    expect(byName(runChecks(input({ connector: { record } }))).schema?.details).toEqual({
      failed: 1,
      rows: [{ file: 'a.geojson', index: 0 }],
      fields: ['(record)', 'id', 'note'],
      declared_fields: [
        { name: 'id', type: 'integer' },
        { name: 'note', type: 'string|null' },
        { name: 'flag', type: 'boolean' },
      ],
    });
    // Not an object of fields, or not zod 4's (a module may bring its own zod): checked, none declared.
    const foreign = {
      safeParse: (value: unknown) => ({ success: true, data: value }),
    } as unknown as z.ZodType;
    for (const record of [z.unknown(), foreign])
      expect(byName(runChecks(input({ connector: { record } }))).schema).toEqual({
        name: 'schema',
        passed: true,
        message: '1 record(s) pass',
      });
  });

  it('fails time fields outside the run window', () => {
    const checks = byName(runChecks(input({ window: { since: '2026-02-01T00:00:00.000Z' } })));
    expect(checks.time_window).toMatchObject({ passed: false, details: { fields: ['day'] } });
  });

  it('refuses a non-WGS 84 CRS', () => {
    const doc = JSON.stringify({
      type: 'FeatureCollection',
      crs: { type: 'name', properties: { name: 'EPSG:3857' } },
      features: [feature([1, 2], { id: 'a', day: '2026-01-01' })],
    });
    const checks = byName(
      runChecks(input({ read: readRecords('geojson', [{ path: 'a', bytes: bytes(doc) }]) })),
    );
    expect(checks.crs?.passed).toBe(false);
  });

  it('reports an unreadable file without quoting its content', () => {
    const read = readRecords('geojson', [{ path: 'a', bytes: bytes('{"lat": 38.123456, oops') }]);
    const checks = byName(runChecks(input({ read })));
    expect(checks.readable?.passed).toBe(false);
    expect(JSON.stringify(checks)).not.toContain('38.123456');
  });

  it('runs connector checks and keeps only row indexes', () => {
    const checks = byName(
      runChecks(
        input({
          connector: {
            record: z.any(),
            checks: [
              {
                name: 'custom',
                run: (rs) => ({
                  passed: false,
                  message: 'bad',
                  failed: rs.length,
                  rows: [0],
                  fields: ['id'],
                }),
              },
            ],
          },
        }),
      ),
    );
    expect(checks.custom).toMatchObject({ passed: false, details: { failed: 1, rows: [0], fields: ['id'] } });
  });
});

describe('readRecords', () => {
  it('reads CSV rows as string fields', () => {
    const read = readRecords('csv', [
      { path: 'p.csv', bytes: bytes('county,year\nRiley,2020\nDouglas,2021\n') },
    ]);
    expect(read.records.map((r) => r.fields)).toEqual([
      { county: 'Riley', year: '2020' },
      { county: 'Douglas', year: '2021' },
    ]);
  });
});

describe('geometryProblem', () => {
  it.each([
    [{ type: 'Point', coordinates: [0, 0] }, null],
    [{ type: 'Point', coordinates: [181, 0] }, 'coordinates outside WGS 84 bounds (lon ±180, lat ±90)'],
    [
      {
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            [1, 0],
            [1, 1],
            [0, 1],
          ],
        ],
      },
      'polygon ring is not closed',
    ],
    [{ type: 'LineString', coordinates: [[0, 0]] }, 'expected an array of at least 2'],
    [{ type: 'Circle', coordinates: [0, 0] }, 'unknown geometry type'],
    [null, 'missing geometry'],
  ])('%j → %s', (geometry, problem) => {
    expect(geometryProblem(geometry)).toBe(problem);
  });
});
