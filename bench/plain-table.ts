import Database from 'better-sqlite3';
import { INSERT_EVENT } from '../src/ledger/sqlite/sqlite-ledger.js';

/** A row exactly as the ledger stores it, in column order (storedRowValues). */
export type PlainRow = unknown[];

/**
 * The insert reference: the same rows into a table of the same shape as migration 0001 (`seq`
 * INTEGER PRIMARY KEY, `event_id` UNIQUE, STRICT) with the same pragmas as the ledger (WAL,
 * synchronous FULL) and the same batching (`BEGIN IMMEDIATE`, one transaction per batch), but no
 * triggers, no read indexes, no validation, canonicalisation or hashing.
 */
export class PlainTable {
  readonly db: Database.Database;
  readonly #insertBatch: Database.Transaction<(rows: readonly PlainRow[]) => void>;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(`CREATE TABLE events (
      seq INTEGER PRIMARY KEY, event_id TEXT NOT NULL UNIQUE, type TEXT NOT NULL,
      dataset_id TEXT NOT NULL, run_id TEXT NOT NULL, recorded_at TEXT NOT NULL, body BLOB NOT NULL,
      prev_hash TEXT NOT NULL, hash TEXT NOT NULL) STRICT`);
    const insert = this.db.prepare(INSERT_EVENT);
    this.#insertBatch = this.db.transaction((rows: readonly PlainRow[]) => {
      for (const row of rows) insert.run(row);
    });
  }

  insert(rows: readonly PlainRow[]): void {
    this.#insertBatch.immediate(rows);
  }

  close(): void {
    this.db.close();
  }
}
