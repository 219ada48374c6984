import { z } from 'zod';
import { PAYLOADS, type PayloadOf, RunId, Sha256Hex, Timestamp } from '../events/index.js';
import {
  completedWindows,
  coveredWithin,
  parseBatch,
  planWindows,
  stretchesOf,
  type TimeWindow,
} from './backfill-windows.js';
import { isType, type LedgerEvent } from './ledger-event.js';
import { Count } from './receipt-fields.js';

const Window = PAYLOADS['backfill.window.completed'].shape.window;

export const BackfillWindowRecord = Window.extend({
  /**
   * completed: captured, validated and recorded (`backfill.window.completed`); failed: its child run
   * failed (upstream, validation); interrupted: its child run was cut off (killed, crashed);
   * pending: never attempted, because the backfill stopped first.
   */
  status: z.enum(['completed', 'failed', 'interrupted', 'pending']),
  child_run_id: RunId.nullable(),
  started_at: Timestamp.nullable(),
  completed_at: Timestamp.nullable(),
  duration_ms: z.number().int().nullable(),
  files: Count.nullable(),
  rows: Count.nullable(),
  sha256: Sha256Hex.nullable(),
  error: PAYLOADS['run.completed'].shape.error.unwrap().nullable(),
});
export type BackfillWindowRecord = z.infer<typeof BackfillWindowRecord>;

/** The backfill part of a parent run's run_record. */
export const BackfillRecord = z.strictObject({
  since: Timestamp,
  until: Timestamp,
  batch: z.string(),
  /** Stretches of the range that earlier runs had completed: skipped, never captured again. */
  already_completed: z.array(Window.extend({ run_id: RunId, windows: Count })),
  windows: z.array(BackfillWindowRecord),
  totals: z.strictObject({
    windows: Count,
    completed: Count,
    failed: Count,
    interrupted: Count,
    pending: Count,
    already_completed: Count,
    files: Count,
    rows: Count,
  }),
});
export type BackfillRecord = z.infer<typeof BackfillRecord>;

const sameWindow = (a: TimeWindow, b: TimeWindow): boolean => a.since === b.since && a.until === b.until;

/**
 * The windows of backfill run `runId` and how each ended, from the dataset's events up to the run's
 * last one. The plan is recomputed exactly as the runtime made it: the run's range and batch, less
 * the windows completed before its run.started. Timings come from each window's child run.
 */
export function projectBackfill(datasetEvents: readonly LedgerEvent[], runId: string): BackfillRecord | null {
  const start = datasetEvents.find(
    (e) => e.run_id === runId && isType(e, 'run.started') && e.payload.stage === 'backfill',
  );
  if (start === undefined || !isType(start, 'run.started')) return null;
  const { window, args } = start.payload;
  const batch = typeof args.batch === 'string' ? args.batch : '';
  const parsed = parseBatch(batch);
  if (window?.since === undefined || window.until === undefined || !parsed.ok) return null;
  const range = { since: window.since, until: window.until };
  const before = completedWindows(datasetEvents.filter((e) => e.seq < start.seq));
  const already = coveredWithin(range, before);
  const index = indexChildren(datasetEvents, runId);
  const windows = planWindows(range, parsed.ms, before).map((w) => windowRecord(index, w));
  const count = (status: BackfillWindowRecord['status']) => windows.filter((w) => w.status === status).length;
  return {
    since: range.since,
    until: range.until,
    batch,
    already_completed: stretchesOf(already),
    windows,
    totals: {
      windows: windows.length,
      completed: count('completed'),
      failed: count('failed'),
      interrupted: count('interrupted'),
      pending: count('pending'),
      already_completed: already.length,
      files: windows.reduce((sum, w) => sum + (w.files ?? 0), 0),
      rows: windows.reduce((sum, w) => sum + (w.rows ?? 0), 0),
    },
  };
}

/** One pass over the events: this backfill's children by window, their events, its completions. */
interface ChildIndex {
  childByWindow: Map<string, string>;
  eventsOf: Map<string, LedgerEvent[]>;
  completedByChild: Map<string, LedgerEvent & { payload: PayloadOf<'backfill.window.completed'> }>;
}

const windowKey = (w: TimeWindow): string => `${w.since}/${w.until}`;

function indexChildren(events: readonly LedgerEvent[], runId: string): ChildIndex {
  const index: ChildIndex = { childByWindow: new Map(), eventsOf: new Map(), completedByChild: new Map() };
  for (const event of events) {
    if (isType(event, 'run.started') && event.payload.parent_run_id === runId && event.payload.window) {
      const { since, until } = event.payload.window;
      if (since !== undefined && until !== undefined) {
        // The latest child of a window is the one that speaks for it.
        index.childByWindow.set(windowKey({ since, until }), event.run_id);
        if (!index.eventsOf.has(event.run_id)) index.eventsOf.set(event.run_id, []);
      }
    }
    index.eventsOf.get(event.run_id)?.push(event);
    if (event.run_id === runId && isType(event, 'backfill.window.completed')) {
      index.completedByChild.set(event.payload.child_run_id, event);
    }
  }
  return index;
}

function windowRecord(index: ChildIndex, window: TimeWindow): BackfillWindowRecord {
  const record: BackfillWindowRecord = {
    ...window,
    status: 'pending',
    child_run_id: null,
    started_at: null,
    completed_at: null,
    duration_ms: null,
    files: null,
    rows: null,
    sha256: null,
    error: null,
  };
  const child = index.childByWindow.get(windowKey(window));
  if (child === undefined) return record;
  const childEvents = index.eventsOf.get(child) ?? [];
  record.child_run_id = child;
  record.started_at = childEvents[0]?.recorded_at ?? null;
  const done = index.completedByChild.get(child);
  if (done !== undefined && sameWindow(done.payload.window, window)) {
    Object.assign(record, {
      status: 'completed',
      completed_at: done.recorded_at,
      files: done.payload.files,
      rows: done.payload.rows,
      sha256: done.payload.sha256,
    });
  } else {
    const ended = childEvents.filter((e) => isType(e, 'run.completed')).at(-1);
    const error = ended !== undefined && isType(ended, 'run.completed') ? ended.payload.error : undefined;
    // A child that validated but whose window was never recorded was cut off in between.
    record.status = error === undefined || error.code === 'INTERRUPTED' ? 'interrupted' : 'failed';
    record.completed_at = ended?.recorded_at ?? null;
    record.error = error ?? null;
  }
  if (record.started_at !== null && record.completed_at !== null) {
    record.duration_ms = Date.parse(record.completed_at) - Date.parse(record.started_at);
  }
  return record;
}
