import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { KfmError } from '../../errors.js';
import { failpoint } from '../../failpoints.js';
import {
  type DatasetLock,
  type DatasetLockRequest,
  type LockHolder,
  newLockHolder,
  waitForLock,
} from '../dataset-lock.js';

/**
 * One stage per dataset at a time (issue 10, items 8 and 9). The lock is `locks/<dataset_id>.lock`
 * beside the ledger file — the dataset's history is what it guards, and zones can move per run
 * (--raw_dir …) while the ledger cannot. It is created whole or not at all: written to a temp file,
 * then hard-linked into place (link(2) fails if the name exists), so a kill never leaves a half
 * lock. A holder whose process is gone (same host, pid dead or reused) is stale: its lock is
 * replaced inside the ledger's write lock, so two processes can never both take over one stale lock.
 */
export async function acquireFileLock(
  ledgerPath: string,
  request: DatasetLockRequest,
  serialize: <T>(fn: () => T) => T,
): Promise<DatasetLock> {
  const path = lockPath(ledgerPath, request.datasetId);
  mkdirSync(dirname(path), { recursive: true });
  const mine = newLockHolder(request, processStart(process.pid));
  // The pid in the name: recovery removes the temps of dead processes only, never a waiting one's.
  const temp = join(
    dirname(path),
    `.${request.datasetId}.lock.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
  );
  writeFileSync(temp, `${JSON.stringify(mine)}\n`, { flag: 'wx' });
  let stale = false;
  let takenOver: LockHolder | null = null;
  try {
    await waitForLock(request, path, () => {
      if (tryLink(temp, path)) return true;
      const seen = readLock(path);
      if (seen !== null && seen.holder !== null && isAlive(seen.holder)) return seen.holder;
      // Stale (or vanished meanwhile): replace it only if it is still the very file judged stale.
      const replaced = serialize(() => {
        const now = readLock(path);
        if (now !== null && now.raw !== seen?.raw) return false;
        if (now !== null) unlinkSync(path);
        return tryLink(temp, path);
      });
      if (!replaced) return null;
      stale = seen !== null;
      takenOver = seen?.holder ?? null;
      return true;
    });
  } finally {
    rmSync(temp, { force: true });
  }
  failpoint('lock/taken');
  return {
    holder: mine,
    stale,
    takenOver,
    removed: removeLockTemps(ledgerPath, request.datasetId).map((name) => `ledger:locks/${name}`),
    release: async () => {
      if (readLock(path)?.holder?.token === mine.token) unlinkSync(path);
    },
  };
}

export function lockPath(ledgerPath: string, datasetId: string): string {
  return join(dirname(ledgerPath), 'locks', `${datasetId}.lock`);
}

/** Temp files of lock acquisitions killed before they removed them; a live process's are its own. */
function removeLockTemps(ledgerPath: string, datasetId: string): string[] {
  const dir = dirname(lockPath(ledgerPath, datasetId));
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const prefix = `.${datasetId}.lock.`;
  const stale = names.filter((n) => {
    const match = /^([0-9]+)\.[0-9a-f]{12}\.tmp$/.exec(n.slice(prefix.length));
    return n.startsWith(prefix) && match !== null && !pidExists(Number(match[1]));
  });
  for (const name of stale) rmSync(join(dir, name), { force: true });
  return stale;
}

function tryLink(temp: string, path: string): boolean {
  try {
    linkSync(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new KfmError('IO', `${path}: cannot create the dataset lock: ${(error as Error).message}`, {
      details: { file: path },
      cause: error,
    });
  }
}

/** null: no lock file. holder null: a file that is not a lock this version wrote (treated as stale). */
function readLock(path: string): { raw: string; holder: LockHolder | null } | null {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  try {
    const holder = JSON.parse(raw) as LockHolder;
    const valid =
      Number.isInteger(holder.pid) && typeof holder.host === 'string' && typeof holder.token === 'string';
    return { raw, holder: valid ? holder : null };
  } catch {
    return { raw, holder: null };
  }
}

/**
 * On another host we cannot tell, so the lock stands. Here, signal 0 probes the pid without
 * signalling it, and a different start time means the pid now belongs to another process.
 */
export function isAlive(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return true;
  if (!pidExists(holder.pid)) return false;
  const started = processStart(holder.pid);
  return holder.started === null || started === null || started === holder.started;
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Field 22 of /proc/<pid>/stat; null where there is no /proc. The name (field 2) may hold spaces. */
export function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}
