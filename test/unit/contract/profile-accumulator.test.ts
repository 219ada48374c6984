import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  kindOfJson,
  kindOfText,
  ProfileAccumulator,
  type ProfileOptions,
  type ProfileRecord,
} from '../../../src/contract/validation/profile-accumulator.js';

const csv = (rows: Record<string, string>[], options: Partial<ProfileOptions> = {}) => {
  const acc = new ProfileAccumulator({ format: 'csv', ...options });
  for (const fields of rows) acc.add('t.csv', { fields });
  return acc.measure();
};

describe('ProfileAccumulator on a small CSV (answers computed by hand)', () => {
  const rows = [
    { id: '1', county: 'Allen', pop: '12500', share: '0.5', day: '2024-01-03', flag: 'true' },
    { id: '2', county: 'Barton', pop: '', share: '1.25', day: '2023-12-31', flag: 'false' },
    { id: '3', county: 'Allen', pop: '-7', share: '2', day: '', flag: 'TRUE' },
    { id: '3', county: '', pop: '400', share: 'n/a', day: '2024-02-29T10:00:00Z', flag: '' },
  ];
  const profile = csv(rows, { keys: ['id'] });
  const column = (name: string) => profile.columns.find((c) => c.name === name);

  it('counts rows and rows per artifact', () => {
    expect(profile.rows).toBe(4);
    expect(profile.artifacts).toEqual([{ path: 't.csv', rows: 4 }]);
  });

  it('lists columns by name', () => {
    expect(profile.columns.map((c) => c.name)).toEqual(['county', 'day', 'flag', 'id', 'pop', 'share']);
  });

  it('types an integer column, with its nulls, null rate, distinct count and range', () => {
    expect(column('pop')).toEqual({
      name: 'pop',
      type: 'integer',
      types: { integer: 3 },
      nulls: 1,
      null_rate: 0.25,
      distinct: 3,
      distinct_exact: true,
      min: -7,
      max: 12500,
    });
  });

  it('calls a column of one non-numeric text among numbers mixed, and ranges only its numbers', () => {
    expect(column('share')).toEqual({
      name: 'share',
      type: 'mixed',
      types: { number: 2, integer: 1, string: 1 },
      nulls: 0,
      null_rate: 0,
      distinct: 4,
      distinct_exact: true,
      min: 0.5,
      max: 2,
    });
  });

  it('ranges dates by time and reports them as written', () => {
    expect(column('day')).toEqual({
      name: 'day',
      type: 'date',
      types: { date: 3 },
      nulls: 1,
      null_rate: 0.25,
      distinct: 3,
      distinct_exact: true,
      earliest: '2023-12-31',
      latest: '2024-02-29T10:00:00Z',
    });
  });

  it('counts distinct texts of a string column (a repeated value once) and booleans in any case', () => {
    expect(column('county')).toMatchObject({ type: 'string', nulls: 1, distinct: 2 });
    expect(column('flag')).toMatchObject({ type: 'boolean', types: { boolean: 3 }, distinct: 3, nulls: 1 });
  });

  it('finds the repeated key: 4 rows, 3 distinct ids, 1 duplicate', () => {
    expect(profile.keys).toEqual({
      fields: ['id'],
      distinct: 3,
      duplicates: 1,
      unique: false,
      distinct_exact: true,
    });
  });

  it('reports no keys when the connector declares none, and no geometry for CSV', () => {
    const plain = csv(rows);
    expect(plain.keys).toBeUndefined();
    expect(plain.geometry).toBeUndefined();
  });

  it('counts a column missing from some records as null there', () => {
    const acc = new ProfileAccumulator({ format: 'geojson' });
    acc.add('a.geojson', { fields: { a: 1 }, geometry: null });
    acc.add('a.geojson', { fields: { a: 2, b: 'x' }, geometry: null });
    expect(acc.measure().columns.find((c) => c.name === 'b')).toMatchObject({ nulls: 1, null_rate: 0.5 });
  });
});

describe('ProfileAccumulator on GeoJSON features', () => {
  const acc = new ProfileAccumulator({ format: 'geojson', keys: ['site'] });
  acc.add('s.geojson', {
    fields: { site: 'A', year: 1999, note: null },
    geometry: { type: 'Point', coordinates: [-98.5, 38.25] },
  });
  acc.add('s.geojson', {
    fields: { site: 'B', year: 2001.5, note: '12' },
    geometry: {
      type: 'LineString',
      coordinates: [
        [-99, 37.5],
        [-97.25, 39],
      ],
    },
  });
  acc.add('s.geojson', { fields: { site: 'C', year: '2003-04-05' }, geometry: null });
  const profile = acc.measure();

  it('counts features, geometry types (null for none) and the bbox of every position', () => {
    expect(profile.geometry).toEqual({
      features: 3,
      types: { Point: 1, LineString: 1, null: 1 },
      bbox: [-99, 37.5, -97.25, 39],
    });
  });

  it('types properties by their JSON type: a numeric string stays a string', () => {
    expect(profile.columns.find((c) => c.name === 'note')).toMatchObject({ type: 'string', nulls: 2 });
    expect(profile.columns.find((c) => c.name === 'year')).toMatchObject({
      type: 'mixed',
      types: { integer: 1, number: 1, date: 1 },
      min: 1999,
      max: 2001.5,
      earliest: '2003-04-05',
    });
    expect(profile.keys).toMatchObject({ distinct: 3, duplicates: 0, unique: true });
  });
});

describe('kindOfText and kindOfJson', () => {
  it.each([
    ['42', 'integer'],
    ['-0', 'integer'],
    ['3.5e2', 'number'],
    ['.5', 'number'],
    ['False', 'boolean'],
    ['2024-02-30', 'string'],
    ['2024-02-29', 'date'],
    ['20001', 'integer'],
    ['1,000', 'string'],
    ['', null],
  ])('reads CSV text %j as %s', (text, kind) => {
    expect(kindOfText(text)).toBe(kind);
  });

  it('reads JSON values by type', () => {
    expect([1, 1.5, true, 'x', [1], { a: 1 }, null, undefined].map(kindOfJson)).toEqual([
      'integer',
      'number',
      'boolean',
      'string',
      'object',
      'object',
      null,
      null,
    ]);
  });
});

describe('ProfileAccumulator.merge', () => {
  const cell = fc.oneof(
    fc.constantFrom('', 'x', 'y', 'true', '2024-01-01', '2024-01-01T00:00:00Z', '7'),
    fc.integer({ min: -50, max: 50 }).map(String),
    fc.double({ min: -1e6, max: 1e6, noNaN: true }).map(String),
  );
  const record = fc.record(
    { a: cell, b: cell, k: fc.integer({ min: 0, max: 30 }).map(String) },
    { requiredKeys: ['k'] },
  );
  const feature = fc.record({
    fields: fc.dictionary(
      fc.constantFrom('p', 'q'),
      fc.oneof(fc.integer(), fc.string({ maxLength: 2 }), fc.constant(null)),
    ),
    geometry: fc.oneof(
      fc.constant(null),
      fc
        .tuple(fc.double({ min: -180, max: 180, noNaN: true }), fc.double({ min: -90, max: 90, noNaN: true }))
        .map((c) => ({
          type: 'Point',
          coordinates: c,
        })),
    ),
  });
  const profileOf = (options: ProfileOptions, parts: { path: string; records: ProfileRecord[] }[]) => {
    const acc = new ProfileAccumulator(options);
    for (const part of parts) for (const r of part.records) acc.add(part.path, r);
    return acc;
  };
  const split = <T>(items: fc.Arbitrary<T>) =>
    fc.tuple(
      fc.array(items, { maxLength: 40 }),
      fc.array(items, { maxLength: 40 }),
      fc.constantFrom('a', 'b'),
    );

  it('the profile of concatenated CSV inputs equals the merge of their profiles', () => {
    fc.assert(
      fc.property(split(record), ([first, second, secondPath]) => {
        const options: ProfileOptions = { format: 'csv', keys: ['k'] };
        const one = profileOf(options, [{ path: 'a', records: first.map((fields) => ({ fields })) }]);
        const two = profileOf(options, [{ path: secondPath, records: second.map((fields) => ({ fields })) }]);
        const whole = profileOf(options, [
          { path: 'a', records: first.map((fields) => ({ fields })) },
          { path: secondPath, records: second.map((fields) => ({ fields })) },
        ]);
        expect(one.merge(two).measure()).toEqual(whole.measure());
      }),
    );
  });

  it('the profile of concatenated GeoJSON inputs equals the merge of their profiles', () => {
    fc.assert(
      fc.property(split(feature), ([first, second, secondPath]) => {
        const options: ProfileOptions = { format: 'geojson' };
        const one = profileOf(options, [{ path: 'a', records: first }]);
        const two = profileOf(options, [{ path: secondPath, records: second }]);
        const whole = profileOf(options, [
          { path: 'a', records: first },
          { path: secondPath, records: second },
        ]);
        expect(one.merge(two).measure()).toEqual(whole.measure());
      }),
    );
  });

  it('stays equal past the exact distinct limit, where counts come from the sketch', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 15_000 }), (cut) => {
        const options: ProfileOptions = { format: 'csv', keys: ['id'] };
        const rows = Array.from({ length: 15_000 }, (_, i) => ({ fields: { id: String(i % 12_000) } }));
        const one = profileOf(options, [{ path: 'a', records: rows.slice(0, cut) }]);
        const two = profileOf(options, [{ path: 'a', records: rows.slice(cut) }]);
        const whole = profileOf(options, [{ path: 'a', records: rows }]).measure();
        expect(one.merge(two).measure()).toEqual(whole);
        expect(whole.columns[0]?.distinct_exact).toBe(false);
      }),
      { numRuns: 5 },
    );
  });
});
