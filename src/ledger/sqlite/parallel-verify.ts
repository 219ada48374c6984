import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { KfmError } from '../../errors.js';
import { GENESIS_HASH } from '../../events/index.js';
import { nodeEventHasher } from '../node-hasher.js';
import type { ChainHead } from '../pure/seal-events.js';
import { type ChainReport, ChainVerifier, mergeChainReports, segmentRanges } from '../pure/verify-chain.js';

/** One seq range of the chain, verified on its own connection; see ChainVerifier's `segment`. */
export interface SegmentTask {
  range: { from?: number; to: number };
  reachesEnd: boolean;
  anchors: readonly ChainHead[];
  maxFailures: number;
}

export interface ChainVerifyOptions {
  anchors?: readonly ChainHead[];
  /** Threads to verify with; 'auto': every core once the ledger is large enough to repay starting them. */
  threads: number | 'auto';
  maxFailures?: number;
}

/**
 * Below this many events a single thread finishes before workers would have loaded the vocabulary
 * (≈ 0.1–0.2 s each): measured ≈ 30k events/s a core here, so auto starts threads from ~1.5 s of work.
 */
export const AUTO_THREADS_FROM_EVENTS = 50_000;
const MAX_FAILURES = 1000;
const ROWS =
  'SELECT seq, event_id, type, dataset_id, run_id, recorded_at, body, prev_hash, hash FROM events WHERE seq >= ? AND seq <= ? ORDER BY seq';
const HEAD_BEFORE = 'SELECT seq, hash FROM events WHERE seq < ? ORDER BY seq DESC LIMIT 1';

/** Verifies one segment through `db` (the caller's own connection, or a worker's). */
export function verifySegment(db: Database.Database, task: SegmentTask): ChainReport {
  const { from, to } = task.range;
  const before =
    from === undefined ? undefined : (db.prepare(HEAD_BEFORE).get(from) as ChainHead | undefined);
  const verifier = new ChainVerifier({
    hasher: nodeEventHasher,
    anchors: task.anchors,
    maxFailures: task.maxFailures,
    segment: { after: before ?? { seq: 0, hash: GENESIS_HASH }, reachesEnd: task.reachesEnd },
  });
  for (const row of db.prepare(ROWS).iterate(from ?? Number.MIN_SAFE_INTEGER, to)) {
    verifier.push(row as Parameters<ChainVerifier['push']>[0]);
  }
  return verifier.finish();
}

/**
 * Each thread costs ≈ 40 MB (its isolate, the vocabulary, a connection): two keep a 1M-event verify
 * under the 150 MB the ledger promises (149 MB measured, BENCHMARKS.md); more only on request.
 */
const AUTO_MAX_THREADS = 2;

export function threadsFor(events: number, threads: number | 'auto'): number {
  if (threads !== 'auto') return threads;
  return events < AUTO_THREADS_FROM_EVENTS ? 1 : Math.min(availableParallelism(), AUTO_MAX_THREADS);
}

/**
 * `kfm verify`'s chain check, split by seq over threads: this thread verifies the first segment on
 * the open connection while workers verify the rest on read-only ones. Rows up to the head read
 * here can never change (the triggers), so every segment sees the ledger one pass would, and the
 * merged report equals a single pass's (property-tested in verify-segments.test.ts).
 */
export async function verifyLedgerChain(
  db: Database.Database,
  path: string,
  options: ChainVerifyOptions,
): Promise<ChainReport> {
  const head = db.prepare('SELECT seq FROM events ORDER BY seq DESC LIMIT 1').get() as
    | { seq: number }
    | undefined;
  const ranges = segmentRanges(head?.seq ?? 0, threadsFor(head?.seq ?? 0, options.threads));
  const maxFailures = options.maxFailures ?? MAX_FAILURES;
  const tasks: SegmentTask[] = ranges.map((range, i) => ({
    range,
    reachesEnd: i === ranges.length - 1,
    anchors: options.anchors ?? [],
    maxFailures,
  }));
  const workers = tasks.slice(1).map((task) => startSegmentWorker(path, task));
  try {
    const first = verifySegment(db, tasks[0]!);
    return mergeChainReports([first, ...(await Promise.all(workers.map((w) => w.report)))], maxFailures);
  } finally {
    for (const w of workers) void w.worker.terminate();
  }
}

function startSegmentWorker(
  path: string,
  task: SegmentTask,
): { worker: Worker; report: Promise<ChainReport> } {
  const worker = new Worker(new URL('./verify-segment-worker.js', import.meta.url), {
    workerData: { path, task },
    // A small young generation frees each row's body buffer sooner: ~15 MB less RSS a thread, no slower.
    resourceLimits: { maxYoungGenerationSizeMb: 4 },
  });
  const report = new Promise<ChainReport>((resolve, reject) => {
    const failed = (why: string) =>
      reject(new KfmError('IO', `cannot verify seq ${task.range.from}..${task.range.to} of ${path}: ${why}`));
    worker.once('message', resolve);
    worker.once('error', (error) => failed(error.message));
    worker.once('exit', (code) => failed(`its worker thread exited with code ${code}`));
  });
  // Settled either way before anyone awaits it, so a failure elsewhere leaves no unhandled rejection.
  report.catch(() => undefined);
  return { worker, report };
}
