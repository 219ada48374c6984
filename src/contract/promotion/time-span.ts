import type { TimeSpan } from '../../catalogs/catalog-input.js';
import type { ParsedRecord } from '../define-connector.js';

const FIRST_INSTANT = Date.parse('0000-01-01T00:00:00.000Z');
const LAST_INSTANT = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * The instants the published records cover, for the catalogs (a STAC Item's start/end_datetime, the
 * open end of DCAT `temporal`), not when they were published: the earliest and latest value of
 * the connector's `time_fields` (validation has already required each to parse), else the window
 * the run was ingested for when it has both ends, else undefined. A date-only value is the start of
 * its UTC day, as Date.parse reads it. Pure.
 */
export function publishedTimeSpan(
  records: readonly ParsedRecord[],
  timeFields: readonly string[],
  window: { since?: string | undefined; until?: string | undefined },
): TimeSpan | undefined {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const record of records) {
    for (const field of timeFields) {
      const value = record.fields[field];
      const t = typeof value === 'string' ? Date.parse(value) : Number.NaN;
      // An instant outside years 0000-9999 in UTC (0000-01-01T00:00+01:00) has no ledger Timestamp form.
      if (Number.isNaN(t) || t < FIRST_INSTANT || t > LAST_INSTANT) continue;
      min = Math.min(min, t);
      max = Math.max(max, t);
    }
  }
  if (min <= max) return { start: new Date(min).toISOString(), end: new Date(max).toISOString() };
  if (window.since === undefined || window.until === undefined) return undefined;
  return {
    start: new Date(Date.parse(window.since)).toISOString(),
    end: new Date(Date.parse(window.until)).toISOString(),
  };
}
