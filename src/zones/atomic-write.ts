import { createHash, type Hash, randomBytes } from 'node:crypto';
import { type FileHandle, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { KfmError } from '../errors.js';
import { failpoint } from '../failpoints.js';
import type { Zone } from './zone-layout.js';

/** What a zone write produced: the path as given (relative to its zone), its sha256 and size. */
export interface WrittenFile {
  path: string;
  sha256: string;
  bytes: number;
}

/**
 * The hidden temp file beside `name` while it is written: `.<name>.<12 hex>.tmp`, the name cut to
 * 120 characters so that with the suffix it stays under NAME_MAX (255).
 */
export function tempFileName(name: string, random = randomBytes(6).toString('hex')): string {
  return `.${name.slice(0, 120)}.${random}.tmp`;
}

/** Whether a file name is one `tempFileName` makes: what a write cut short by a crash leaves. */
export function isTempFileName(name: string): boolean {
  return /^\..+\.[0-9a-f]{12}\.tmp$/s.test(name);
}

/** Fills the temp file, hashing what it writes; returns the byte count. */
export type FillFile = (handle: FileHandle, hash: Hash) => Promise<number>;

/**
 * Atomic write (POSIX rename(2) replaces the target in one step): a temp file in the target's
 * folder, filled, chmod 0444 if read-only, fsync, rename over the target, fsync the folder (and
 * `dirsToSync`, the parents of folders created for it). Readers see the old file or the whole new
 * one; a crash leaves at most a hidden temp file. On any error the temp file is removed. `zone` names
 * the failpoints either side of the rename.
 */
export async function writeAtomically(
  zone: Zone,
  path: string,
  rel: string,
  readOnly: boolean,
  dirsToSync: readonly string[],
  fill: FillFile,
): Promise<WrittenFile> {
  const temp = join(dirname(path), tempFileName(basename(path)));
  const handle = await open(temp, 'wx', 0o644);
  const hash = createHash('sha256');
  let closed = false;
  try {
    const bytes = await fill(handle, hash);
    if (readOnly) await handle.chmod(0o444);
    await handle.sync();
    closed = true;
    await handle.close();
    failpoint(`write/${zone}/filled`);
    await rename(temp, path);
    failpoint(`write/${zone}/renamed`);
    for (const dir of new Set([dirname(path), ...dirsToSync])) await syncDirectory(dir);
    return { path: rel, sha256: hash.digest('hex'), bytes };
  } catch (error) {
    if (!closed) await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

/** After a rename or mkdir, the folder entry itself must reach the disk for it to survive a crash. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Gather chunks into writes of about 1 MiB: one syscall per MiB, not per network chunk. */
const BATCH_BYTES = 1 << 20;
/** Below Linux's IOV_MAX (1024), so a batch of tiny chunks is still one writev. */
const BATCH_CHUNKS = 512;

type Settled = { error: unknown } | undefined;

/**
 * Copies `source` into `handle` while hashing it, in constant memory: at most one batch is being
 * written (in libuv's thread pool) while the next one is pulled and hashed on this thread, and the
 * source is only pulled when there is room, so a stream source feels backpressure. Chunks are kept
 * by reference until written: the source must not reuse a chunk's memory after yielding it (Node
 * and WHATWG streams never do). `maxBytes` stops a source that runs past its expected length early.
 */
export async function pumpToFile(
  handle: FileHandle,
  hash: Hash,
  source: AsyncIterable<Uint8Array>,
  maxBytes: number | undefined,
  describe: string,
): Promise<number> {
  // A settled-value promise: a failed write is never an unhandled rejection while we hash on.
  let inFlight: Promise<Settled> = Promise.resolve(undefined);
  const flush = async (batch: Uint8Array[]): Promise<void> => {
    const previous = await inFlight;
    if (previous !== undefined) throw previous.error;
    inFlight = writeAll(handle, batch).then(
      () => undefined,
      (error: unknown) => ({ error }),
    );
  };
  let batch: Uint8Array[] = [];
  let batchBytes = 0;
  let total = 0;
  try {
    for await (const chunk of source) {
      if (!(chunk instanceof Uint8Array)) {
        throw new KfmError('INVALID_INPUT', `${describe}: the source yielded ${typeof chunk}, not bytes`);
      }
      total += chunk.byteLength;
      if (maxBytes !== undefined && total > maxBytes) throw sizeMismatch(describe, maxBytes, total);
      hash.update(chunk);
      batch.push(chunk);
      batchBytes += chunk.byteLength;
      if (batchBytes >= BATCH_BYTES || batch.length >= BATCH_CHUNKS) {
        await flush(batch);
        batch = [];
        batchBytes = 0;
      }
    }
    if (batch.length > 0) await flush(batch);
  } catch (error) {
    // Never leave a write running against a handle the caller is about to close and unlink; the
    // source's error is the one to report.
    await inFlight;
    throw error;
  }
  const last = await inFlight;
  if (last !== undefined) throw last.error;
  return total;
}

/** A source that ended short of, or ran past, the length its sender announced (e.g. Content-Length). */
export function sizeMismatch(describe: string, expected: number, received: number): KfmError {
  const what =
    received > expected
      ? `received more than the ${expected} bytes expected`
      : `received ${received} of the ${expected} bytes expected: the source was truncated`;
  return new KfmError('IO', `${describe}: ${what}`, {
    details: { path: describe, expected_bytes: expected, received_bytes: received },
  });
}

/** writev until every byte is down: writev may write less (a short write, or more iovecs than IOV_MAX). */
async function writeAll(handle: FileHandle, chunks: Uint8Array[]): Promise<void> {
  let pending = chunks;
  while (pending.length > 0) {
    const want = pending.reduce((sum, c) => sum + c.byteLength, 0);
    const { bytesWritten } = await handle.writev(pending);
    if (bytesWritten >= want) return;
    pending = dropBytes(pending, bytesWritten);
  }
}

function dropBytes(chunks: Uint8Array[], count: number): Uint8Array[] {
  let skip = count;
  const rest: Uint8Array[] = [];
  for (const chunk of chunks) {
    if (skip >= chunk.byteLength) {
      skip -= chunk.byteLength;
      continue;
    }
    rest.push(skip > 0 ? chunk.subarray(skip) : chunk);
    skip = 0;
  }
  return rest;
}
