import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  completedWindows,
  countWindows,
  floorToGrid,
  ingestCursor,
  parseBatch,
  planWindows,
  splitWindow,
  stretchesOf,
  type TimeWindow,
  uncovered,
} from '../../../src/projections/backfill-windows.js';
import { H, ledgerEvents, started } from '../../support/ledger-events.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const ms = (w: TimeWindow) => [Date.parse(w.since), Date.parse(w.until)] as const;
const iso = (t: number) => new Date(t).toISOString();

describe('parseBatch', () => {
  it.each([
    ['P1D', DAY],
    ['PT6H', 6 * HOUR],
    ['P1DT12H', 36 * HOUR],
    ['PT90M', 90 * 60_000],
    ['P1W', 7 * DAY],
    ['PT1S', 1000],
  ])('reads %s as a fixed length', (text, expected) => {
    expect(parseBatch(text)).toEqual({ ok: true, ms: expected });
  });

  it.each(['P1M', 'P1Y', 'P1Y2D'])('refuses %s: months and years have no fixed length', (text) => {
    const result = parseBatch(text);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toContain('no fixed length');
  });

  it.each(['', 'P', 'PT', 'P1DT', '1D', 'P1.5D', 'pt6h', 'P0D', 'PT0.5S', 'P-1D', 'P1H'])(
    'refuses %j',
    (text) => {
      expect(parseBatch(text).ok).toBe(false);
    },
  );
});

describe('splitWindow', () => {
  it('cuts half-open windows from since, clipping the last at until', () => {
    expect(
      splitWindow({ since: '2026-01-01T00:00:00.000Z', until: '2026-01-02T15:00:00.000Z' }, 12 * HOUR),
    ).toEqual([
      { since: '2026-01-01T00:00:00.000Z', until: '2026-01-01T12:00:00.000Z' },
      { since: '2026-01-01T12:00:00.000Z', until: '2026-01-02T00:00:00.000Z' },
      { since: '2026-01-02T00:00:00.000Z', until: '2026-01-02T12:00:00.000Z' },
      { since: '2026-01-02T12:00:00.000Z', until: '2026-01-02T15:00:00.000Z' },
    ]);
  });

  it('makes days of exactly 24 h across a daylight-saving change (UTC has none)', () => {
    // 2026-03-08 is the US spring-forward day; in UTC it is a day like any other.
    const days = splitWindow({ since: '2026-03-07T00:00:00.000Z', until: '2026-03-10T00:00:00.000Z' }, DAY);
    expect(days.map((w) => w.since)).toEqual([
      '2026-03-07T00:00:00.000Z',
      '2026-03-08T00:00:00.000Z',
      '2026-03-09T00:00:00.000Z',
    ]);
    for (const w of days) expect(ms(w)[1] - ms(w)[0]).toBe(DAY);
  });

  it('makes one window when the batch is longer than the range, and none for an empty range', () => {
    const range = { since: '2026-01-01T00:00:00.000Z', until: '2026-01-01T01:00:00.000Z' };
    expect(splitWindow(range, DAY)).toEqual([range]);
    expect(splitWindow({ since: range.since, until: range.since }, DAY)).toEqual([]);
  });

  // Whole-second batches (what parseBatch yields), ranges of at most 300 of them.
  const ranges = fc
    .tuple(
      fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2040, 0, 1) }),
      fc.integer({ min: 1, max: 10 * 86_400 }).map((seconds) => seconds * 1000),
      fc.double({ min: 0, max: 300, noNaN: true }),
    )
    .map(([since, batch, batches]) => ({
      range: { since: iso(since), until: iso(since + Math.max(1, Math.floor(batch * batches))) },
      batch,
    }));

  it('tiles the range exactly: contiguous, no overlap, each at most one batch, count as predicted', () => {
    fc.assert(
      fc.property(ranges, ({ range, batch }) => {
        const windows = splitWindow(range, batch);
        expect(windows.length).toBe(countWindows(range, batch));
        expect(windows[0]?.since).toBe(range.since);
        expect(windows.at(-1)?.until).toBe(range.until);
        windows.forEach((w, i) => {
          const [since, until] = ms(w);
          expect(until).toBeGreaterThan(since);
          expect(until - since).toBeLessThanOrEqual(batch);
          if (i < windows.length - 1) expect(until - since).toBe(batch);
          if (i > 0) expect(w.since).toBe(windows[i - 1]!.until);
        });
      }),
    );
  });

  it('puts every instant of the range in exactly one window: since inclusive, until exclusive', () => {
    fc.assert(
      fc.property(ranges, fc.double({ min: 0, max: 1, noNaN: true }), ({ range, batch }, at) => {
        const [since, until] = ms(range);
        const t = Math.min(until - 1, since + Math.floor(at * (until - since)));
        const holding = splitWindow(range, batch).filter((w) => ms(w)[0] <= t && t < ms(w)[1]);
        expect(holding).toHaveLength(1);
      }),
    );
  });
});

describe('planWindows', () => {
  const range = { since: '2026-01-01T00:00:00.000Z', until: '2026-01-08T00:00:00.000Z' };
  const day = (d: number) => iso(Date.parse(range.since) + d * DAY);

  it('skips covered stretches and cuts each gap from its start', () => {
    const covered = [
      { since: day(0), until: day(2) },
      { since: day(3), until: day(4) },
      { since: day(3), until: iso(Date.parse(day(4)) + 6 * HOUR) },
    ];
    expect(planWindows(range, DAY, covered)).toEqual([
      { since: day(2), until: day(3) },
      { since: iso(Date.parse(day(4)) + 6 * HOUR), until: iso(Date.parse(day(5)) + 6 * HOUR) },
      { since: iso(Date.parse(day(5)) + 6 * HOUR), until: iso(Date.parse(day(6)) + 6 * HOUR) },
      { since: iso(Date.parse(day(6)) + 6 * HOUR), until: day(7) },
    ]);
  });

  it('cuts the same windows again after an interruption: a prefix done leaves the rest of the plan', () => {
    const whole = planWindows(range, DAY, []);
    for (let done = 0; done <= whole.length; done++) {
      expect(planWindows(range, DAY, whole.slice(0, done))).toEqual(whole.slice(done));
    }
  });

  it('never plans a covered instant and leaves no uncovered instant unplanned (property)', () => {
    const spans = fc.array(
      fc.tuple(fc.integer({ min: -2, max: 9 }), fc.integer({ min: 1, max: 4 })).map(([d, n]) => ({
        since: day(d),
        until: day(d + n),
      })),
      { maxLength: 5 },
    );
    fc.assert(
      fc.property(spans, fc.integer({ min: 0, max: 7 * 24 - 1 }), (covered, hour) => {
        const t = Date.parse(range.since) + hour * HOUR;
        const inPlan = planWindows(range, 5 * HOUR, covered).filter((w) => ms(w)[0] <= t && t < ms(w)[1]);
        const isCovered = covered.some((w) => ms(w)[0] <= t && t < ms(w)[1]);
        expect(inPlan.length).toBe(isCovered ? 0 : 1);
        expect(uncovered(range, covered).some((w) => ms(w)[0] <= t && t < ms(w)[1])).toBe(!isCovered);
      }),
    );
  });
});

describe('completedWindows and ingestCursor', () => {
  const w = (since: string, until: string) => ({ since, until });
  const A = '2026-01-01T00:00:00.000Z';
  const B = '2026-01-02T00:00:00.000Z';
  const C = '2026-01-03T00:00:00.000Z';
  const D = '2026-01-04T00:00:00.000Z';
  const events = ledgerEvents('ks_x', [
    ['i1', 'run.started', { ...started('ingest'), window: w(A, B) }],
    ['i1', 'run.completed', { status: 'succeeded' }],
    ['i2', 'run.started', { ...started('ingest'), window: w(C, D) }],
    ['i2', 'run.completed', { status: 'failed', error: { code: 'UPSTREAM_FAILED', message: 'x' } }],
    ['p1', 'run.started', { ...started('backfill'), window: w(A, D) }],
    ['c1', 'run.started', { ...started('ingest'), window: w(B, C), parent_run_id: 'p1' }],
    ['c1', 'run.completed', { status: 'succeeded' }],
    ['c2', 'run.started', { ...started('ingest'), window: w(C, D), parent_run_id: 'p1' }],
    ['c2', 'run.completed', { status: 'succeeded' }],
    [
      'p1',
      'backfill.window.completed',
      { window: w(B, C), child_run_id: 'c1', files: 1, rows: 5, sha256: H('b') },
    ],
    ['p1', 'run.completed', { status: 'failed', error: { code: 'UPSTREAM_FAILED', message: 'x' } }],
  ]);

  it('counts succeeded standalone ingests and recorded backfill windows, not failed runs or unrecorded children', () => {
    expect(completedWindows(events).map((c) => [c.since, c.until, c.run_id, c.child_run_id])).toEqual([
      [A, B, 'i1', null],
      [B, C, 'p1', 'c1'],
    ]);
  });

  it('puts the cursor at the end of the latest completed window', () => {
    expect(ingestCursor(events)).toBe(C);
    expect(ingestCursor(events.slice(0, 2))).toBe(B);
    expect(ingestCursor([])).toBeNull();
  });

  it('is a pure function of the events: a copy of them, read back from JSON too, gives the same cursor', () => {
    expect(ingestCursor([...events])).toBe(C);
    expect(ingestCursor(JSON.parse(JSON.stringify(events)))).toBe(C);
  });
});

describe('stretchesOf', () => {
  it("merges one run's consecutive windows, and keeps other runs' apart", () => {
    const c = (a: number, b: number, run_id: string) => ({
      since: iso(a * DAY),
      until: iso(b * DAY),
      seq: a,
      run_id,
      child_run_id: null,
    });
    expect(stretchesOf([c(0, 1, 'p1'), c(1, 2, 'p1'), c(2, 3, 'p2'), c(4, 5, 'p2'), c(5, 6, 'p2')])).toEqual([
      { since: iso(0), until: iso(2 * DAY), run_id: 'p1', windows: 2 },
      { since: iso(2 * DAY), until: iso(3 * DAY), run_id: 'p2', windows: 1 },
      { since: iso(4 * DAY), until: iso(6 * DAY), run_id: 'p2', windows: 2 },
    ]);
  });
});

describe('floorToGrid', () => {
  it('rounds down to 00:00 UTC for a P1D grid', () => {
    expect(floorToGrid(Date.parse('2026-05-06T23:59:59.999Z'), DAY)).toBe('2026-05-06T00:00:00.000Z');
    expect(floorToGrid(Date.parse('2026-05-06T00:00:00.000Z'), DAY)).toBe('2026-05-06T00:00:00.000Z');
  });
});
