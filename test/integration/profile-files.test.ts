import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { profileFiles } from '../../src/contract/validation/profile-outputs.js';
import { useTempDirs } from '../support/temp-dirs.js';

// The I/O edge of profiling: files on disk streamed (CSV) or parsed (GeoJSON) into one profile.

const dirs = useTempDirs('profile-files');

describe('profileFiles', () => {
  it('streams two CSV files into one profile, rows per file', async () => {
    const dir = dirs();
    writeFileSync(join(dir, 'a.csv'), '\uFEFFid,n\n1,5\n2,\n');
    writeFileSync(join(dir, 'b.csv'), 'id,n\n3,-1\n');
    const acc = await profileFiles({ format: 'csv', keys: ['id'] }, [
      { path: 'a.csv', file: join(dir, 'a.csv') },
      { path: 'b.csv', file: join(dir, 'b.csv') },
    ]);
    const profile = acc.measure();
    expect(profile.artifacts).toEqual([
      { path: 'a.csv', rows: 2 },
      { path: 'b.csv', rows: 1 },
    ]);
    expect(profile.columns.map((c) => [c.name, c.nulls, c.min, c.max])).toEqual([
      ['id', 0, 1, 3],
      ['n', 1, -1, 5],
    ]);
    expect(profile.keys).toMatchObject({ unique: true, distinct: 3 });
  });

  it('decodes a CSV in the registry\u2019s declared encoding (windows-1252)', async () => {
    const dir = dirs();
    writeFileSync(join(dir, 'w.csv'), Buffer.from('name\nCaf\xe9\nNa\xefve\n', 'latin1'));
    const acc = await profileFiles(
      { format: 'csv' },
      [{ path: 'w.csv', file: join(dir, 'w.csv') }],
      'windows-1252',
    );
    expect(acc.measure().columns).toEqual([
      {
        name: 'name',
        type: 'string',
        types: { string: 2 },
        nulls: 0,
        null_rate: 0,
        distinct: 2,
        distinct_exact: true,
      },
    ]);
  });

  it('leaves a CSV that stops parsing to the readable check: no throw, nothing past the failing chunk', async () => {
    const dir = dirs();
    writeFileSync(join(dir, 'bad.csv'), 'a,b\n1,2\n3,4,5\n6,7\n');
    const acc = await profileFiles({ format: 'csv' }, [{ path: 'bad.csv', file: join(dir, 'bad.csv') }]);
    // The whole file is one chunk, which csv-parse rejects before handing out its first row.
    expect(acc.measure().rows).toBe(0);
  });

  it('reads a GeoJSON FeatureCollection feature by feature', async () => {
    const dir = dirs();
    const doc = {
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', geometry: { type: 'Point', coordinates: [-98, 38] }, properties: { k: 'a' } },
        { type: 'Feature', geometry: null, properties: { k: 'b' } },
      ],
    };
    writeFileSync(join(dir, 'g.geojson'), JSON.stringify(doc));
    const acc = await profileFiles({ format: 'geojson' }, [
      { path: 'g.geojson', file: join(dir, 'g.geojson') },
    ]);
    expect(acc.measure().geometry).toEqual({
      features: 2,
      types: { Point: 1, null: 1 },
      bbox: [-98, 38, -98, 38],
    });
  });
});
