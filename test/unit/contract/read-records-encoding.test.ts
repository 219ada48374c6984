import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runChecks } from '../../../src/contract/validation/builtin-checks.js';
import { readRecords } from '../../../src/contract/validation/read-records.js';

// Issue 10 item 6: a CSV upstream that is not UTF-8 was published with U+FFFD in place of its
// bytes. It now fails validation naming the row; a declared upstream.encoding decodes it.

/** "county,year" rows with a Latin-1 "Döniphan" (ö = 0xF6) in the given 0-based row. */
function latin1Csv(badRow: number): Uint8Array {
  const rows = ['Riley', 'Douglas', 'Ellis'].map((c, i) => (i === badRow ? 'D\xf6niphan' : c));
  return Buffer.from(`county,year\n${rows.map((c, i) => `${c},202${i}`).join('\n')}\n`, 'latin1');
}

describe('readRecords of bytes that are not UTF-8', () => {
  it.each([0, 2])('reports a CSV unreadable at row %i, naming line, column and byte', (row) => {
    const read = readRecords('csv', [{ path: 'p.csv', bytes: latin1Csv(row) }]);
    expect(read.records).toEqual([]);
    expect(read.unreadable).toEqual([
      {
        file: 'p.csv',
        row,
        message: expect.stringContaining(
          `row ${row}, line ${row + 2} column 2: byte 0xF6 is not valid UTF-8`,
        ),
      },
    ]);
  });

  it('finds the row of a record whose quoted field spans lines', () => {
    const text = Buffer.concat([
      Buffer.from('county,note\nRiley,"two\nlines"\nEllis,"D'),
      Buffer.from([0xf6]),
      Buffer.from('"\n'),
    ]);
    expect(readRecords('csv', [{ path: 'p.csv', bytes: text }]).unreadable[0]).toMatchObject({ row: 1 });
  });

  it('names the header when the bad byte is there, and no row', () => {
    const read = readRecords('csv', [
      { path: 'p.csv', bytes: Buffer.from('c\xf6unty,year\nRiley,2020\n', 'latin1') },
    ]);
    expect(read.unreadable[0]).not.toHaveProperty('row');
    expect(read.unreadable[0]?.message).toContain('the header, line 1 column 2');
  });

  it('reports a GeoJSON file that is not UTF-8 (RFC 8259 §8.1)', () => {
    const bytes = Buffer.from(
      '{"type":"FeatureCollection","features":[{"properties":{"n":"D\xf6"}}]}',
      'latin1',
    );
    expect(readRecords('geojson', [{ path: 'a.geojson', bytes }]).unreadable).toEqual([
      { file: 'a.geojson', message: expect.stringContaining('line 1 column 62: byte 0xF6') },
    ]);
  });

  it('decodes the declared upstream encoding instead', () => {
    const read = readRecords('csv', [{ path: 'p.csv', bytes: latin1Csv(1) }], 'windows-1252');
    expect(read.unreadable).toEqual([]);
    expect(read.records.map((r) => r.fields.county)).toEqual(['Riley', 'Döniphan', 'Ellis']);
  });

  it('fails the readable check with the row in its details', () => {
    const checks = runChecks({
      connector: { record: z.strictObject({ county: z.string(), year: z.string() }) },
      registry: { license: 'CC0-1.0', sensitivity: 'public', policy_labels: ['open'], spatial: false },
      read: readRecords('csv', [{ path: 'p.csv', bytes: latin1Csv(2) }]),
      window: {},
      raw: [{ path: 'p.csv', expected: 'x', found: 'x' }],
    });
    expect(checks.find((c) => c.name === 'readable')).toMatchObject({
      passed: false,
      details: { failed: 1, rows: [{ file: 'p.csv', index: 2 }] },
    });
  });

  it('still reads a UTF-8 GeoJSON file that starts with a byte order mark', () => {
    const doc = '{"type":"FeatureCollection","features":[{"properties":{"n":"Dö"}}]}';
    const read = readRecords('geojson', [{ path: 'a.geojson', bytes: Buffer.from(`\uFEFF${doc}`, 'utf8') }]);
    expect(read.unreadable).toEqual([]);
    expect(read.records[0]?.fields).toEqual({ n: 'Dö' });
  });
});
