import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { decodeEvent, type LedgerEvent } from '../../src/projections/ledger-event.js';

/** The default ledger path of a root, as the CLI computes it. */
export function ledgerPath(root: string): string {
  return join(root, 'ledger', 'kfm.sqlite');
}

/** Copies a root's ledger file (and any WAL beside it) into another root, so a test can tamper alone. */
export function copyLedger(fromRoot: string, toRoot: string): string {
  const from = ledgerPath(fromRoot);
  const to = ledgerPath(toRoot);
  mkdirSync(join(toRoot, 'ledger'), { recursive: true });
  copyFileSync(from, to);
  for (const suffix of ['-wal', '-shm']) {
    if (existsSync(from + suffix)) copyFileSync(from + suffix, to + suffix);
  }
  return to;
}

/** A row of the `events` table as stored (see migrations/0001_create_events.ts). */
export interface EventRow {
  seq: number;
  event_id: string;
  type: string;
  dataset_id: string;
  run_id: string;
  recorded_at: string;
  body: Buffer;
  prev_hash: string;
  hash: string;
}

/**
 * Opens the ledger file with plain better-sqlite3 (no kfm code in between), runs `use`, closes. It is
 * opened writable even to read, so that closing it removes the -wal/-shm files a read-only connection
 * would leave behind (tests snapshot every file of a root).
 */
export function withLedgerFile<T>(path: string, use: (db: Database.Database) => T): T {
  const db = new Database(path, { fileMustExist: true });
  try {
    return use(db);
  } finally {
    db.close();
  }
}

export function readRows(db: Database.Database): EventRow[] {
  return db.prepare('SELECT * FROM events ORDER BY seq').all() as EventRow[];
}

export function readRow(db: Database.Database, seq: number): EventRow {
  const row = db.prepare('SELECT * FROM events WHERE seq = ?').get(seq) as EventRow | undefined;
  if (row === undefined) throw new Error(`no event at seq ${seq}`);
  return row;
}

/**
 * What a tamperer with write access to the file does first: remove the append-only triggers.
 * The chain, not the triggers, is what must then catch the change.
 */
export function dropAppendOnlyTriggers(db: Database.Database): void {
  db.exec('DROP TRIGGER events_refuse_update');
  db.exec('DROP TRIGGER events_refuse_delete');
}

/** docs/design.md: hash = sha256("kfm.event.v1\n" ‖ body), computed here independently of src/. */
export function eventHash(body: Uint8Array): string {
  return createHash('sha256').update('kfm.event.v1\n').update(body).digest('hex');
}

export function sha256Hex(bytes: string | Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Replaces the only occurrence of `from` in a stored body with `to` (same length: one edit). */
export function editBody(body: Buffer, from: string, to: string): Buffer {
  const text = body.toString('utf8');
  const at = text.indexOf(from);
  if (at < 0 || text.indexOf(from, at + 1) >= 0) throw new Error(`"${from}" is not unique in ${text}`);
  return Buffer.from(text.slice(0, at) + to + text.slice(at + from.length), 'utf8');
}

/** The chain head read straight from the file (seq 0 and the genesis hash when empty). */
export function readHead(path: string): { seq: number; hash: string } {
  return withLedgerFile(
    path,
    (db) =>
      (db.prepare('SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1').get() as
        | { seq: number; hash: string }
        | undefined) ?? { seq: 0, hash: '0'.repeat(64) },
  );
}

/**
 * Every event of a root's ledger in seq order, optionally only those matching `filter`: the stored
 * bodies `kfm log --json` prints, read without a CLI start (each costs a few hundred milliseconds).
 * Use kfm-cli.ts's kfmLog where the CLI's own listing is the point.
 */
export function ledgerEvents(
  root: string,
  filter: { type?: string; run_id?: string; dataset_id?: string; after_seq?: number } = {},
): LedgerEvent[] {
  const rows = withLedgerFile(
    ledgerPath(root),
    (db) =>
      db.prepare('SELECT body, hash FROM events ORDER BY seq').all() as { body: Buffer; hash: string }[],
  );
  return rows
    .map(decodeEvent)
    .filter(
      (e) =>
        (filter.type === undefined || e.type === filter.type) &&
        (filter.run_id === undefined || e.run_id === filter.run_id) &&
        (filter.dataset_id === undefined || e.dataset_id === filter.dataset_id) &&
        (filter.after_seq === undefined || e.seq > filter.after_seq),
    );
}
