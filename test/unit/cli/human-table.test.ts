import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { elideMiddle, fitColumns, renderTable, tableWidth } from '../../../src/cli/human-table.js';

const HASH = 'a3f1c9e07b2d4f6a8c1e3b5d7f9a0c2e4b6d8f0a1c3e5b7d9f1a3c5e7b9d1f3a';
const lineWidths = (table: string) =>
  table
    .trimEnd()
    .split('\n')
    .map((l) => [...l].length);

describe('elideMiddle', () => {
  it('keeps a text that fits, and both ends of one that does not', () => {
    expect(elideMiddle('short', 8)).toBe('short');
    expect(elideMiddle(HASH, 9)).toBe('a3f1…1f3a');
    expect(elideMiddle('data/processed/ks/v1/file.csv', 12)).toBe('data/p…e.csv');
  });

  it('is exactly max code points long whenever it elides, keeping a prefix and a suffix', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-ascii', minLength: 1 }), fc.nat(80), (text, max) => {
        const out = elideMiddle(text, max);
        if (text.length <= max) {
          expect(out).toBe(text);
          return;
        }
        expect([...out]).toHaveLength(max);
        const [head = '', tail = ''] = out.split('…');
        expect(text.startsWith(head) && text.endsWith(tail)).toBe(true);
      }),
    );
  });
});

describe('fitColumns', () => {
  it('narrows the widest column first and leaves short ones whole', () => {
    expect(fitColumns([10, 64, 9], [8, 8, 8], 60)).toEqual([10, 37, 9]);
  });

  it('fits the width whenever the minimums allow it, and never goes below them', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 70 }), { minLength: 1, maxLength: 9 }),
        fc.nat(300),
        (natural, width) => {
          const minimum = natural.map((w) => Math.min(w, 8));
          const fitted = fitColumns(natural, minimum, width);
          const total = (ws: number[]) => ws.reduce((a, b) => a + b, 0) + 2 * (ws.length - 1);
          fitted.forEach((w, i) => {
            expect(w).toBeGreaterThanOrEqual(minimum[i]!);
            expect(w).toBeLessThanOrEqual(natural[i]!);
          });
          if (total(minimum) <= width) expect(total(fitted)).toBeLessThanOrEqual(width);
          else expect(fitted).toEqual(minimum);
        },
      ),
    );
  });
});

describe('renderTable', () => {
  const rows = [
    ['ks_streamflow_daily', '01M8K01BGQSX006P3QJBQVBWTQ', 'succeeded', HASH],
    ['ks_mesonet_stations', '01M8K01C4HQ7QD56RHEX09Y5WY', 'failed', HASH],
  ];

  it('without a width, aligns every cell in full', () => {
    const table = renderTable(['DATASET', 'RUN', 'STATUS', 'HASH'], rows);
    expect(table).not.toContain('…');
    expect(table.split('\n')[1]).toBe(`ks_streamflow_daily  01M8K01BGQSX006P3QJBQVBWTQ  succeeded  ${HASH}`);
  });

  it('within a width, elides cells of the widest columns and keeps the columns aligned', () => {
    const table = renderTable(['DATASET', 'RUN', 'STATUS', 'HASH'], rows, 80);
    expect(Math.max(...lineWidths(table))).toBeLessThanOrEqual(80);
    expect(table).toContain('succeeded');
    const [header = '', first = '', second = ''] = table.split('\n');
    expect(first.indexOf('succeeded')).toBe(header.indexOf('STATUS'));
    expect(second.indexOf('failed')).toBe(header.indexOf('STATUS'));
  });
  it('narrows the id and hash columns it is told of first, other columns only when that is not enough', () => {
    const table = renderTable(['DATASET', 'RUN', 'STATUS', 'HASH'], rows, 60, [1, 3]);
    expect(table.split('\n')[1]).toBe('ks_streamflow_daily  01M8K0…QVBWTQ  succeeded  a3f1c9…9d1f3a');
    const narrower = renderTable(['DATASET', 'RUN', 'STATUS', 'HASH'], rows, 50, [1, 3]);
    expect(Math.max(...lineWidths(narrower))).toBeLessThanOrEqual(50);
    expect(narrower).toContain('ks_st');
  });
});

describe('tableWidth', () => {
  it('--wide shows everything; $COLUMNS wins over the terminal; 80 at least; a pipe without $COLUMNS is unlimited', () => {
    expect(tableWidth({ wide: true }, { COLUMNS: '100' }, 90)).toBe(Number.POSITIVE_INFINITY);
    expect(tableWidth({}, { COLUMNS: '120' }, 90)).toBe(120);
    expect(tableWidth({}, {}, 100)).toBe(100);
    expect(tableWidth({}, { COLUMNS: '40' }, undefined)).toBe(80);
    expect(tableWidth({}, {}, 60)).toBe(80);
    expect(tableWidth({}, { COLUMNS: 'wide' }, undefined)).toBe(Number.POSITIVE_INFINITY);
    expect(tableWidth({}, {}, undefined)).toBe(Number.POSITIVE_INFINITY);
  });
});
