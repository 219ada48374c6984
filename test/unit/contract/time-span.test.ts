import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ParsedRecord } from '../../../src/contract/define-connector.js';
import { publishedTimeSpan } from '../../../src/contract/promotion/time-span.js';

const record = (index: number, fields: Record<string, unknown>): ParsedRecord => ({
  index,
  file: 'daily.csv',
  fields,
});

describe('publishedTimeSpan', () => {
  it('is the earliest and latest value of the time fields, over every field and record', () => {
    const records = [
      record(0, { date: '2024-03-02', updated: '2024-03-05T10:00:00-05:00' }),
      record(1, { date: '2024-03-01', updated: '2024-03-02T00:00:00Z' }),
    ];
    expect(publishedTimeSpan(records, ['date', 'updated'], {})).toEqual({
      start: '2024-03-01T00:00:00.000Z',
      end: '2024-03-05T15:00:00.000Z',
    });
    // Only the declared fields count.
    expect(publishedTimeSpan(records, ['date'], {})).toEqual({
      start: '2024-03-01T00:00:00.000Z',
      end: '2024-03-02T00:00:00.000Z',
    });
  });

  it("falls back to the run's ingest window when no record has a time, and to nothing without both ends", () => {
    const window = { since: '2024-01-01T00:00:00Z', until: '2024-02-01T00:00:00+01:00' };
    expect(publishedTimeSpan([record(0, { date: '' })], ['date'], window)).toEqual({
      start: '2024-01-01T00:00:00.000Z',
      end: '2024-01-31T23:00:00.000Z',
    });
    expect(publishedTimeSpan([], [], window)).toEqual({
      start: '2024-01-01T00:00:00.000Z',
      end: '2024-01-31T23:00:00.000Z',
    });
    expect(publishedTimeSpan([], [], { since: window.since })).toBeUndefined();
    expect(publishedTimeSpan([record(0, { date: 20240101 })], ['date'], {})).toBeUndefined();
    // An instant a ledger Timestamp cannot write (before year 0000 in UTC) is not part of a span.
    const early = [record(0, { date: '0000-01-01T00:00:00+01:00' }), record(1, { date: '2024-01-01' })];
    expect(publishedTimeSpan(early, ['date'], {})).toEqual({
      start: '2024-01-01T00:00:00.000Z',
      end: '2024-01-01T00:00:00.000Z',
    });
  });

  it('contains every record time and is attained by some (property)', () => {
    const instant = fc.date({
      min: new Date('1800-01-01T00:00:00Z'),
      max: new Date('2200-01-01T00:00:00Z'),
      noInvalidDate: true,
    });
    fc.assert(
      fc.property(fc.array(instant, { minLength: 1, maxLength: 30 }), (dates) => {
        const records = dates.map((d, i) => record(i, { t: d.toISOString() }));
        const span = publishedTimeSpan(records, ['t'], {})!;
        const times = dates.map((d) => d.getTime());
        expect(span).toEqual({
          start: new Date(Math.min(...times)).toISOString(),
          end: new Date(Math.max(...times)).toISOString(),
        });
      }),
    );
  });
});
