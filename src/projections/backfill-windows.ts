import { isType, type LedgerEvent } from './ledger-event.js';

/**
 * Time windows of incremental ingest and backfill (issue 6), pure: instants are UTC, windows are
 * half-open `[since, until)` — a reading at exactly `until` belongs to the next window, so adjacent
 * windows never share a reading and never miss one. Windows are cut with fixed-length durations
 * only, in milliseconds of UTC: no time zone, no daylight-saving day of 23 or 25 hours.
 */
export interface TimeWindow {
  /** ISO-8601 UTC with milliseconds (`Date.prototype.toISOString`), as events record it. */
  since: string;
  until: string;
}

/** A stretch of time some run has already captured (and, for backfill windows, validated). */
export interface CompletedWindow extends TimeWindow {
  seq: number;
  /** The run that recorded the completion: a backfill parent, or a standalone ingest run. */
  run_id: string;
  /** The child run that captured a backfill window; null for a standalone ingest run. */
  child_run_id: string | null;
}

export type BatchResult = { ok: true; ms: number } | { ok: false; message: string };

const UNIT_MS: Record<string, number> = { W: 604_800_000, D: 86_400_000, H: 3_600_000, M: 60_000, S: 1_000 };
const DATE_PART = /^(?:(\d+)W)?(?:(\d+)D)?$/;
const TIME_PART = /^(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$/;

/**
 * An ISO-8601 duration (`P1D`, `PT6H`, `P1DT12H`, `PT90M`, `P1W`) in milliseconds. Years and
 * months are refused: they have no fixed length, and windows must tile time exactly.
 */
export function parseBatch(text: string): BatchResult {
  const fix = 'write an ISO-8601 duration in weeks, days, hours, minutes or seconds, e.g. P1D, PT6H, P7D';
  const match = /^P([^T]*)(?:T(.*))?$/.exec(text);
  if (match === null) return { ok: false, message: `${JSON.stringify(text)} is not a duration: ${fix}` };
  const [, datePart = '', timePart] = match;
  if (/[YM]/.test(datePart)) {
    return {
      ok: false,
      message: `${text}: years and months have no fixed length, so they cannot tile time exactly; use days, e.g. P30D`,
    };
  }
  const date = DATE_PART.exec(datePart);
  const time = timePart === undefined ? [] : TIME_PART.exec(timePart);
  if (date === null || time === null || timePart === '' || (datePart === '' && timePart === undefined)) {
    return { ok: false, message: `${JSON.stringify(text)} is not a duration: ${fix}` };
  }
  const units: [string | undefined, string][] = [
    [date[1], 'W'],
    [date[2], 'D'],
    [time[1], 'H'],
    [time[2], 'M'],
    [time[3], 'S'],
  ];
  const ms = units.reduce((sum, [n, unit]) => sum + (n === undefined ? 0 : Number(n) * UNIT_MS[unit]!), 0);
  if (ms < 1000) return { ok: false, message: `${text}: a window must last at least one second` };
  if (!Number.isSafeInteger(ms)) return { ok: false, message: `${text}: too long` };
  return { ok: true, ms };
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** `[since, until)` cut into windows of `batchMs` starting at `since`; the last one is clipped at `until`. */
export function splitWindow(range: TimeWindow, batchMs: number): TimeWindow[] {
  const end = Date.parse(range.until);
  const windows: TimeWindow[] = [];
  for (let t = Date.parse(range.since); t < end; t += batchMs) {
    windows.push({ since: iso(t), until: iso(Math.min(t + batchMs, end)) });
  }
  return windows;
}

/** How many windows `splitWindow` would make, without making them (to refuse absurd plans early). */
export function countWindows(range: TimeWindow, batchMs: number): number {
  return Math.max(0, Math.ceil((Date.parse(range.until) - Date.parse(range.since)) / batchMs));
}

/** The parts of `range` no window of `covered` covers, in time order. */
export function uncovered(range: TimeWindow, covered: readonly TimeWindow[]): TimeWindow[] {
  const spans = covered
    .map((w) => [Date.parse(w.since), Date.parse(w.until)] as const)
    .sort((a, b) => a[0] - b[0]);
  const gaps: TimeWindow[] = [];
  let from = Date.parse(range.since);
  const end = Date.parse(range.until);
  for (const [since, until] of spans) {
    if (since >= end) break;
    if (since > from) gaps.push({ since: iso(from), until: iso(since) });
    from = Math.max(from, until);
    if (from >= end) break;
  }
  if (from < end) gaps.push({ since: iso(from), until: iso(end) });
  return gaps;
}

/**
 * A backfill's windows: what `covered` leaves of `range`, each gap cut from its start. A rerun after
 * an interruption therefore cuts the same windows as the first attempt did, and never a completed one.
 */
export function planWindows(
  range: TimeWindow,
  batchMs: number,
  covered: readonly TimeWindow[],
): TimeWindow[] {
  return uncovered(range, covered).flatMap((gap) => splitWindow(gap, batchMs));
}

/** The completed windows of `covered` that overlap `range`, clipped to it (a rerun skips them). */
export function coveredWithin(range: TimeWindow, covered: readonly CompletedWindow[]): CompletedWindow[] {
  const [from, end] = [Date.parse(range.since), Date.parse(range.until)];
  return covered
    .filter((w) => Date.parse(w.since) < end && Date.parse(w.until) > from)
    .map((w) => ({
      ...w,
      since: iso(Math.max(from, Date.parse(w.since))),
      until: iso(Math.min(end, Date.parse(w.until))),
    }))
    .sort((a, b) => Date.parse(a.since) - Date.parse(b.since) || a.seq - b.seq);
}

/** A stretch of consecutive completed windows recorded by one run, for plans and records. */
export interface CompletedStretch extends TimeWindow {
  run_id: string;
  windows: number;
}

/** Merges windows (sorted by since, as coveredWithin returns them) of one run that touch or overlap. */
export function stretchesOf(windows: readonly CompletedWindow[]): CompletedStretch[] {
  const stretches: CompletedStretch[] = [];
  for (const w of windows) {
    const last = stretches.at(-1);
    if (last !== undefined && last.run_id === w.run_id && Date.parse(w.since) <= Date.parse(last.until)) {
      if (Date.parse(w.until) > Date.parse(last.until)) last.until = w.until;
      last.windows++;
    } else stretches.push({ since: w.since, until: w.until, run_id: w.run_id, windows: 1 });
  }
  return stretches;
}

/**
 * Every completed window of a dataset, from its events in seq order: each `backfill.window.completed`,
 * and the window of each standalone ingest run (not a backfill's child) that succeeded. A backfill
 * child counts only once its parent records the window completed, that is after validation.
 */
export function completedWindows(events: Iterable<LedgerEvent>): CompletedWindow[] {
  const open = new Map<string, TimeWindow>();
  const done: CompletedWindow[] = [];
  for (const event of events) {
    if (isType(event, 'run.started')) {
      const { stage, window, parent_run_id } = event.payload;
      const whole = window?.since !== undefined && window.until !== undefined;
      if (stage === 'ingest' && whole && parent_run_id === undefined) {
        open.set(event.run_id, { since: window.since!, until: window.until! });
      } else open.delete(event.run_id);
    } else if (isType(event, 'run.completed')) {
      const window = open.get(event.run_id);
      open.delete(event.run_id);
      if (window !== undefined && event.payload.status === 'succeeded') {
        done.push({ ...window, seq: event.seq, run_id: event.run_id, child_run_id: null });
      }
    } else if (isType(event, 'backfill.window.completed')) {
      const { window, child_run_id } = event.payload;
      done.push({ ...window, seq: event.seq, run_id: event.run_id, child_run_id });
    }
  }
  return done;
}

/** The ledger's cursor: the end of the latest completed window (by time, not by seq), or null. */
export function ingestCursor(events: Iterable<LedgerEvent>): string | null {
  let cursor: number | null = null;
  for (const window of completedWindows(events)) {
    const until = Date.parse(window.until);
    if (cursor === null || until > cursor) cursor = until;
  }
  return cursor === null ? null : iso(cursor);
}

/** `at` rounded down to the grid of `stepMs` counted from the Unix epoch (P1D: 00:00 UTC). */
export function floorToGrid(atMs: number, stepMs: number): string {
  return iso(Math.floor(atMs / stepMs) * stepMs);
}
