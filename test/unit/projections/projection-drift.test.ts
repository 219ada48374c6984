import { describe, expect, it } from 'vitest';
import { nobleSha256Hex } from '../../../src/ledger/pure/event-hash.js';
import type { Columns, ProjectionRows } from '../../../src/ledger/read-models.js';
import { countRows, diffProjectionRows, rowHash } from '../../../src/projections/projection-drift.js';

// Known answers computed with coreutils: printf '%s' '{"a":1}' | sha256sum, and so on.
const A1 = '015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862';
const A2 = '7e8059f495589fcd981232cc11d00b00da3802c01d688fa1cf1f6bed6e5bb33c';
const NS = '6f633680f2e9a5bad6910497507934d17b47d356892d7fe8e8ec943ead0ec4ba';

const tables = (runs: [string, Columns][], versions: [string, Columns][], captures: [string, Columns][]) =>
  ({
    proj_runs: new Map(runs),
    proj_versions: new Map(versions),
    proj_captures: new Map(captures),
  }) satisfies ProjectionRows;

describe('rowHash', () => {
  it('is sha256 of the columns in RFC 8785 form, whatever their order', () => {
    expect(rowHash({ a: 1 }, nobleSha256Hex)).toBe(A1);
    expect(rowHash({ s: 'x', n: null }, nobleSha256Hex)).toBe(NS);
  });

  it('refuses a column JCS cannot write, naming it under "row"', () => {
    expect(() => rowHash({ a: Number.NaN }, nobleSha256Hex)).toThrow(
      'row.a is NaN; RFC 8785 (JCS) cannot represent it',
    );
  });
});

describe('diffProjectionRows', () => {
  it('reports every changed, missing and extra row, table by table in key order, with both hashes', () => {
    const expected = tables(
      [
        ['ks_x/r2', { a: 1 }],
        ['ks_x/r1', { a: 1 }],
      ],
      [['ks_x/v1', { a: 1 }]],
      [['ks_x/3', { s: 'x', n: null }]],
    );
    const found = tables(
      [
        ['ks_x/r1', { a: 2 }],
        ['ks_x/r2', { a: 1 }],
      ],
      [],
      [
        ['ks_x/3', { n: null, s: 'x' }],
        ['ks_x/4', { a: 2 }],
      ],
    );
    expect(diffProjectionRows(expected, found, nobleSha256Hex)).toEqual([
      { table: 'proj_runs', key: 'ks_x/r1', expected_sha256: A1, found_sha256: A2 },
      { table: 'proj_versions', key: 'ks_x/v1', expected_sha256: A1, found_sha256: null },
      { table: 'proj_captures', key: 'ks_x/4', expected_sha256: null, found_sha256: A2 },
    ]);
  });

  it('finds nothing between equal tables', () => {
    const rows = () => tables([['ks_x/r1', { a: 1 }]], [], [['ks_x/1', { a: 2 }]]);
    expect(diffProjectionRows(rows(), rows(), nobleSha256Hex)).toEqual([]);
  });
});

describe('countRows', () => {
  it('counts the rows of all three tables', () => {
    expect(
      countRows(
        tables(
          [['a', {}]],
          [['b', {}]],
          [
            ['c', {}],
            ['d', {}],
          ],
        ),
      ),
    ).toBe(4);
    expect(countRows(tables([], [], []))).toBe(0);
  });
});
