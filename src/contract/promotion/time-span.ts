import type { TimeSpan } from '../../catalogs/catalog-input.js';
import type { ParsedRecord } from '../define-connector.js';

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
      if (Number.isNaN(t)) continue;
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
