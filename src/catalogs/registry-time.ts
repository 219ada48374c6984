/**
 * The registry's `temporal` ends are ISO 8601 dates (2015-01-01) or date-times with an offset.
 * Catalogs join them into intervals, and both DCAT-US `temporal` and STAC need the two ends of an
 * interval in one form: DCAT-US's pattern refuses a date joined to a date-time.
 */

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

export function isDateOnly(instant: string): boolean {
  return DATE_ONLY.test(instant);
}

/** A date as the first or last second of that UTC day; a date-time as written. */
export function asDateTime(instant: string, endOfDay: boolean): string {
  return isDateOnly(instant) ? `${instant}T${endOfDay ? '23:59:59' : '00:00:00'}Z` : instant;
}

/** RFC 3339 in UTC ("Z"), as STAC requires: a date spans its UTC day, a date-time is converted. */
export function utcDateTime(instant: string, endOfDay: boolean): string {
  return isDateOnly(instant) ? asDateTime(instant, endOfDay) : new Date(Date.parse(instant)).toISOString();
}
