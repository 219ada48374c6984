import { closeSync, existsSync, openSync, readFileSync, readSync, type Stats, statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { KfmError } from '../../errors.js';
import { openDatabase } from './open-database.js';
import { storageDamage } from './storage-damage.js';

/** The first 16 bytes of every SQLite 3 database file (https://sqlite.org/fileformat.html §1.3). */
const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
/** The database header is 100 bytes; a shorter file is no database. */
const HEADER_BYTES = 100;
const SIDECARS = ['-wal', '-shm'] as const;
/** A snapshot read retried this often when a writer checkpoints into the file under it. */
const SNAPSHOT_ATTEMPTS = 5;

/** An SQLite connection that never writes the ledger; close() leaves the folder as it found it. */
export interface ReadOnlyDatabase {
  db: Database.Database;
  /**
   * True when the ledger was read into memory (a folder this process cannot write, with no live
   * writer): then there is no file path another connection could share, and nothing new is seen.
   */
  snapshot: boolean;
  close(): void;
}

/**
 * Refuses, before SQLite sees it, a ledger path that is missing, not a file, empty or not an
 * SQLite database: SQLite would treat an empty file as a new empty database (and "verify" it as
 * ok) and would write into it. Reads 100 bytes and nothing else.
 */
export function assertLedgerFile(path: string): void {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch {
    throw unreadable(path, 'does not exist: run `kfm init` in the root first, or pass --ledger');
  }
  if (!stats.isFile()) throw unreadable(path, 'is not a file');
  if (stats.size === 0) throw unreadable(path, 'is empty (0 bytes), so it holds no ledger');
  const header = Buffer.alloc(HEADER_BYTES);
  const fd = openSync(path, 'r');
  let read: number;
  try {
    read = readSync(fd, header, 0, HEADER_BYTES, 0);
  } finally {
    closeSync(fd);
  }
  if (read < HEADER_BYTES || !header.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC)) {
    throw unreadable(path, 'is not an SQLite database (its header is not "SQLite format 3")');
  }
}

export function unreadable(path: string, why: string): KfmError {
  return new KfmError('LEDGER_UNREADABLE', `the ledger ${path} ${why}`, { details: { file: path } });
}

/**
 * Opens the ledger for reading without writing the ledger file or leaving anything beside it.
 *
 * The ledger is in WAL mode. A live writer keeps `-wal` and `-shm` beside it; a read-only
 * connection then shares them and sees every commit, which is why `immutable=1` is not used (it
 * would read the file as if no writer existed; better-sqlite3 is built without URI filenames
 * anyway). With no `-wal` nobody has the ledger open, and SQLite creates empty `-wal`/`-shm` for a
 * read-only connection but cannot remove them: they are removed afterwards by SQLite's own
 * last-connection close, which runs only when no other connection holds the file and writes the
 * ledger only to checkpoint frames a writer committed meanwhile. In a folder this process cannot
 * write, SQLite cannot create them: the file is then read once into memory as a snapshot.
 */
export function openReadOnlyDatabase(path: string, timeoutMs: number): ReadOnlyDatabase {
  assertLedgerFile(path);
  const hadSidecars = SIDECARS.map((suffix) => existsSync(path + suffix));
  let db: Database.Database;
  try {
    db = openDatabase(path, { readonly: true, fileMustExist: true, timeout: timeoutMs });
    // The WAL is opened on the first read: a folder that refuses the sidecars fails here.
    db.prepare('SELECT count(*) FROM sqlite_master').get();
  } catch (error) {
    if (hadSidecars[0] || !cannotCreateSidecars(error)) throw openError(path, error);
    const snapshot = snapshotDatabase(path);
    return { db: snapshot, snapshot: true, close: () => snapshot.open && snapshot.close() };
  }
  return {
    db,
    snapshot: false,
    close() {
      if (!db.open) return;
      db.close();
      if (hadSidecars.every((had) => !had)) removeSidecars(path);
    },
  };
}

function cannotCreateSidecars(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY_DIRECTORY';
}

/**
 * The whole file in memory, its header switched from WAL to rollback mode (bytes 18 and 19, in the
 * copy only: an in-memory database has no WAL). With no `-wal` the file holds every commit; a
 * writer that starts meanwhile changes the file only by a checkpoint, which the size and mtime
 * compared around the read reveal, and the read is then taken again.
 */
function snapshotDatabase(path: string): Database.Database {
  for (let attempt = 0; attempt < SNAPSHOT_ATTEMPTS; attempt++) {
    const before = statSync(path, { bigint: true });
    const bytes = readFileSync(path);
    const after = statSync(path, { bigint: true });
    if (before.size !== after.size || before.mtimeNs !== after.mtimeNs || before.ino !== after.ino) continue;
    bytes[18] = 1;
    bytes[19] = 1;
    return openDatabase(bytes, { readonly: true });
  }
  throw new KfmError('LEDGER_CONFLICT', `the ledger ${path} kept changing while it was read; retry`, {
    details: { file: path },
  });
}

/**
 * A connection that reads once and closes: as the last one, SQLite deletes the sidecars under an
 * exclusive lock; while any other connection is open it leaves them, as it must.
 */
function removeSidecars(path: string): void {
  if (!SIDECARS.some((suffix) => existsSync(path + suffix))) return;
  try {
    const cleaner = openDatabase(path, { fileMustExist: true });
    try {
      cleaner.prepare('SELECT count(*) FROM sqlite_master').get();
    } finally {
      cleaner.close();
    }
  } catch {
    // Best effort: sidecars left beside a ledger are SQLite's ordinary state, never damage.
  }
}

function openError(path: string, error: unknown): KfmError {
  const damage = storageDamage(path, error);
  if (damage !== null) return damage;
  return new KfmError('IO', `cannot open the ledger ${path} to read: ${(error as Error).message}`, {
    details: { file: path },
    cause: error,
  });
}
