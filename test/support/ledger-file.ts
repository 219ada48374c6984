import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';

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

/** Opens the ledger file with plain better-sqlite3 (no kfm code in between), runs `use`, closes. */
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
