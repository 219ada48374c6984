import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { KfmError } from '../errors.js';
import { REAL_CLOCK, retryUntil, type WaitClock } from './lock-wait.js';

/**
 * Who holds a dataset's lock: enough to name the holder in a message, and to tell that process from
 * a later one with its pid (the file lock judges liveness from it; see sqlite/dataset-lock-file.ts).
 */
export interface LockHolder {
  pid: number;
  host: string;
  /** The process's start time (Linux /proc/<pid>/stat, clock ticks since boot): a reused pid differs. */
  started: string | null;
  /** Random per acquisition: release removes only its own lock. */
  token: string;
  stage: string;
  run_id: string | null;
  since: string;
}

/** One stage of a dataset at a time, whichever host it runs on (docs/design.md, "Concurrent stages"). */
export interface DatasetLockRequest {
  datasetId: string;
  stage: string;
  runId: string | null;
  waitSeconds: number;
  clock?: WaitClock;
  /** Told once, when the lock is first found held by a live process, before waiting for it. */
  onBusy?: (holder: LockHolder) => void;
}

export interface DatasetLock {
  holder: LockHolder;
  /** A lock was there and its holder is gone: that process was killed or crashed. */
  stale: boolean;
  /** The stale holder this acquisition replaced, when its record was readable. */
  takenOver: LockHolder | null;
  /** What dead acquisitions left beside the lock and this one removed (`ledger:locks/<name>`). */
  removed: string[];
  release(): Promise<void>;
}

export function newLockHolder(request: DatasetLockRequest, started: string | null): LockHolder {
  return {
    pid: process.pid,
    host: hostname(),
    started,
    token: randomBytes(8).toString('hex'),
    stage: request.stage,
    run_id: request.runId,
    since: new Date((request.clock ?? REAL_CLOCK).now()).toISOString(),
  };
}

/** DATASET_BUSY: the wait ran out while `holder` (null: unknown) held the lock kept at `where`. */
export function datasetBusy(request: DatasetLockRequest, holder: LockHolder | null, where: string): KfmError {
  const ds = request.datasetId;
  const who =
    holder === null
      ? 'another process'
      : `the ${holder.stage} stage${holder.run_id === null ? '' : ` of run ${holder.run_id}`} (pid ${holder.pid} on ${holder.host}, since ${holder.since})`;
  return new KfmError(
    'DATASET_BUSY',
    `dataset ${ds} is busy: ${who} holds ${where}; waited ${request.waitSeconds}s (--wait): nothing was recorded, run again when it ends or pass a longer --wait`,
    { details: { dataset_id: ds, lock: where, wait: request.waitSeconds, holder } },
  );
}

/**
 * Tries until the lock is taken or the wait runs out (DATASET_BUSY naming the last holder seen):
 * `attempt` takes it (true), names the live holder, or null when it could not tell (a race).
 */
export async function waitForLock(
  request: DatasetLockRequest,
  where: string,
  attempt: () => true | LockHolder | null | Promise<true | LockHolder | null>,
): Promise<void> {
  let busy: LockHolder | null = null;
  const taken = await retryUntil(
    async () => {
      const got = await attempt();
      if (got === true) return true;
      if (got !== null && busy === null && request.waitSeconds > 0) request.onBusy?.(got);
      busy = got ?? busy;
      return undefined;
    },
    request.waitSeconds * 1000,
    request.clock ?? REAL_CLOCK,
  );
  if (taken === undefined) throw datasetBusy(request, busy, where);
}
