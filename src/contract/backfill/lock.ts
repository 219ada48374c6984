import { readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { KfmError } from '../../errors.js';
import type { StageScope } from '../stage-scope.js';

export interface BackfillLock {
  release(): Promise<void>;
}

interface Holder {
  pid: number;
  host: string;
  run_id: string;
}

/**
 * One backfill per dataset at a time: `data/work/<id>/backfill.lock`, created exclusively, names the
 * process holding it. A lock whose process is gone (killed, crashed) is stale and taken over; that
 * is also what tells the taker that runs left open by that process are abandoned, not running.
 */
export async function takeBackfillLock(scope: StageScope): Promise<BackfillLock> {
  const ds = scope.request.dataset_id;
  const rel = `${ds}/backfill.lock`;
  await scope.writer.mkdir('work', ds);
  const path = scope.writer.resolve('work', rel);
  const mine: Holder = { pid: process.pid, host: hostname(), run_id: scope.run_id };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(path, `${JSON.stringify(mine)}\n`, { flag: 'wx' });
      return { release: () => rm(path, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readHolder(path);
    if (holder !== null && isAlive(holder)) {
      throw new KfmError(
        'USAGE',
        `another backfill of ${ds} is running (run ${holder.run_id}, pid ${holder.pid} on ${holder.host}): wait for it to end, or stop it and rerun; data/work/${rel} is its lock`,
        { details: { lock: `data/work/${rel}`, ...holder } },
      );
    }
    scope.log.warn(
      `taking over the stale lock of backfill run ${holder?.run_id ?? '?'} (its process is gone)`,
    );
    await rm(path, { force: true });
  }
  throw new KfmError('IO', `data/work/${rel}: could not take the backfill lock`);
}

async function readHolder(path: string): Promise<Holder | null> {
  try {
    const holder = JSON.parse(await readFile(path, 'utf8')) as Holder;
    return Number.isInteger(holder.pid) ? holder : null;
  } catch {
    // Half-written by a process killed while creating it: nobody holds it.
    return null;
  }
}

/** On another host we cannot tell, so the lock stands; here, signal 0 probes without signalling. */
function isAlive(holder: Holder): boolean {
  if (holder.host !== hostname()) return true;
  if (holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
