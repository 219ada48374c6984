import { z } from 'zod';
import { type DiscoverContext, defineConnector } from '../../src/contract/define-connector.js';
import { capturePages } from '../../src/contract/paging.js';
import { KfmError } from '../../src/errors.js';

/**
 * Daily stream-gauge readings (synthetic upstream: test/support/streamflow-upstream.ts, or
 * `npm run upstream`): a public CSV time series from an HTTP API queried by time window,
 * `GET <upstream>/readings?start=<iso>&end=<iso>`, `[start, end)`, paged with RFC 8288 next links.
 * Each page is captured as its own raw file, named after the window and the page number, so a
 * window's capture is the same set of files whichever run takes it.
 */

/** `2026-01-01T00:00:00.000Z` → `20260101T000000Z`: sortable, and safe in a file name. */
function stamp(instant: string): string {
  return instant.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

function pageName(window: { since: string; until: string }, page: number): string {
  return `readings_${stamp(window.since)}_${stamp(window.until)}_p${String(page).padStart(3, '0')}.csv`;
}

function windowOf(context: DiscoverContext): { since: string; until: string } {
  const { since, until } = context.window;
  if (since === undefined || until === undefined) {
    throw new KfmError(
      'USAGE',
      'ks_streamflow_daily reads one time window at a time: pass --since and --until, or let ingest continue from the cursor',
    );
  }
  return { since, until };
}

export default defineConnector({
  dataset_id: 'ks_streamflow_daily',
  format: 'csv',
  keys: ['gauge_id', 'date'],
  record: z.strictObject({
    gauge_id: z.string().regex(/^\d{8}$/, 'an 8-digit gauge id'),
    date: z.iso.date(),
    discharge_cfs: z.coerce.number().nonnegative(),
    stage_ft: z.coerce.number().min(0).max(100),
  }),
  time_fields: ['date'],
  windowed: {
    // Daily readings: incremental ingest stops at the last whole UTC day.
    grid: 'P1D',
    // One discovery (HEAD) and one page: a day of readings fits in a page of the default size.
    requests_per_window: 2,
    // A window shorter than a day (--batch PT6H) may hold no reading at all.
    empty_ok: true,
  },
  discover(context) {
    const window = windowOf(context);
    const base = context.upstream_uri.replace(/\/+$/, '');
    const query = `start=${encodeURIComponent(window.since)}&end=${encodeURIComponent(window.until)}`;
    return [{ uri: `${base}/readings?${query}`, name: pageName(window, 1) }];
  },
  async acquire(context, sources) {
    const window = windowOf(context);
    for (const source of sources)
      await capturePages(context, source, { name: (page) => pageName(window, page) });
  },
  checks: [
    {
      name: 'one_reading_per_gauge_and_day',
      run(records) {
        const seen = new Set<string>();
        const rows = records
          .filter((r) => {
            const key = `${r.fields.gauge_id}/${r.fields.date}`;
            return seen.has(key) || !seen.add(key);
          })
          .map((r) => r.index);
        return {
          passed: rows.length === 0,
          message: rows.length === 0 ? 'one reading per gauge and day' : 'repeated gauge/day readings',
          failed: rows.length,
          rows,
          fields: ['gauge_id', 'date'],
        };
      },
    },
  ],
});
