/**
 * HTTP-date (RFC 9110 §5.6.7). Recipients must accept all three formats: IMF-fixdate
 * (`Sun, 06 Nov 1994 08:49:37 GMT`), the obsolete RFC 850 form (`Sunday, 06-Nov-94 08:49:37 GMT`)
 * and ANSI C asctime (`Sun Nov  6 08:49:37 1994`). `Date.parse` is not used: it reads asctime in the
 * local time zone, while every HTTP-date is UTC.
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const LONG_DAY = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MONTH = `(${MONTHS.join('|')})`;
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';

const IMF_FIXDATE = new RegExp(`^${DAY}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`);
const RFC850_DATE = new RegExp(`^${LONG_DAY}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`);
const ASCTIME_DATE = new RegExp(`^${DAY} ${MONTH} ( \\d|\\d{2}) ${TIME} (\\d{4})$`);

/** Milliseconds since the epoch, or `undefined` when `text` is not an HTTP-date. */
export function parseHttpDate(text: string, nowMs: number): number | undefined {
  const value = text.trim();
  let match = IMF_FIXDATE.exec(value);
  if (match) return toEpochMs(match[3], match[1], match[2], match[4], match[5], match[6]);
  match = ASCTIME_DATE.exec(value);
  if (match) return toEpochMs(match[6], match[2]?.trim(), match[1], match[3], match[4], match[5]);
  match = RFC850_DATE.exec(value);
  if (match) {
    const year = expandTwoDigitYear(Number(match[3]), nowMs);
    return toEpochMs(String(year), match[1], match[2], match[4], match[5], match[6]);
  }
  return undefined;
}

/**
 * RFC 9110 §5.6.7: a two-digit year that appears to be more than 50 years in the future is the most
 * recent past year with the same last two digits.
 */
function expandTwoDigitYear(yy: number, nowMs: number): number {
  const thisYear = new Date(nowMs).getUTCFullYear();
  let year = Math.floor(thisYear / 100) * 100 + yy;
  if (year > thisYear + 50) year -= 100;
  return year;
}

function toEpochMs(
  year: string | undefined,
  day: string | undefined,
  month: string | undefined,
  hour: string | undefined,
  minute: string | undefined,
  second: string | undefined,
): number | undefined {
  const monthIndex = MONTHS.indexOf(month ?? '');
  const [y, d, h, mi, s] = [year, day, hour, minute, second].map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  // second 60 is allowed by the grammar for leap seconds; Date.UTC rolls it into the next minute.
  if (monthIndex < 0 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return undefined;
  const ms = Date.UTC(y, monthIndex, d, h, mi, s);
  // Reject dates like 31 Feb, which Date.UTC would silently roll over into March.
  return new Date(ms).getUTCDate() === d || s === 60 ? ms : undefined;
}
