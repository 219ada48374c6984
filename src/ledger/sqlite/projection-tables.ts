import type Database from 'better-sqlite3';
import { GENESIS_HASH } from '../../events/constants.js';
import type { SealedEvent } from '../../events/index.js';
import {
  type Column,
  type Columns,
  PROJECTION_TABLE_NAMES,
  PROJECTION_TABLES,
  type ProjectionRows,
  type ProjectionTable,
  type ReadModels,
  type RowEvent,
  type RowStore,
  rowKey,
} from '../read-models.js';

/**
 * The projection tables in SQLite (migrations/0003_projection_tables.ts): the store the read models'
 * reducers write through, the hook the append transaction calls, and the sync that brings the
 * tables up to the events when a ledger is opened — after an upgrade (the backfill), appends by an
 * older kfm, or a chain rewritten under the cache (then the tables are rebuilt from scratch).
 */

class SqliteRows implements RowStore {
  readonly #get = new Map<ProjectionTable, Database.Statement<Column[], Columns>>();
  readonly #put = new Map<ProjectionTable, Database.Statement<[Columns]>>();
  readonly #skipUnstorable: boolean;

  /**
   * `skipUnstorable`: when refilling from stored events, a row whose values the strict tables refuse
   * (a tampered payload: text for a count, an object for a path) is skipped — verify reports the
   * event (SCHEMA_INVALID) and the cache must still open. An append's events passed the vocabulary.
   */
  constructor(db: Database.Database, skipUnstorable: boolean) {
    this.#skipUnstorable = skipUnstorable;
    for (const table of PROJECTION_TABLE_NAMES) {
      const { key, columns } = PROJECTION_TABLES[table];
      const match = key.map((k) => `${k} = ?`).join(' AND ');
      this.#get.set(table, db.prepare<Column[], Columns>(`SELECT * FROM ${table} WHERE ${match}`));
      this.#put.set(
        table,
        db.prepare<[Columns]>(
          `INSERT OR REPLACE INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`,
        ),
      );
    }
  }

  get(table: ProjectionTable, key: readonly Column[]): Columns | undefined {
    return this.#get.get(table)!.get(...key);
  }

  put(table: ProjectionTable, row: Columns): void {
    try {
      this.#put.get(table)!.run(row);
    } catch (error) {
      if (!(this.#skipUnstorable && unstorable(error))) throw error;
    }
  }
}

interface State {
  through_seq: number;
  through_hash: string;
  reducer_version: number;
}

const decoder = new TextDecoder();

export class ProjectionTables {
  readonly #db: Database.Database;
  readonly #models: ReadModels;
  readonly #appended: SqliteRows;
  readonly #refilled: SqliteRows;
  readonly #readState: Database.Statement<[], State>;
  readonly #writeState: Database.Statement<[number, string, number]>;
  readonly #headStatement: Database.Statement<[], { seq: number; hash: string }>;

  /** Null when the ledger predates the tables (tests and benchmarks migrate to older schemas). */
  static open(db: Database.Database, models: ReadModels): ProjectionTables | null {
    const found = db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'proj_state'")
      .get();
    return found === undefined ? null : new ProjectionTables(db, models);
  }

  private constructor(db: Database.Database, models: ReadModels) {
    this.#db = db;
    this.#models = models;
    this.#appended = new SqliteRows(db, false);
    this.#refilled = new SqliteRows(db, true);
    this.#readState = db.prepare(
      'SELECT through_seq, through_hash, reducer_version FROM proj_state WHERE id = 1',
    );
    this.#writeState = db.prepare(
      'UPDATE proj_state SET through_seq = ?, through_hash = ?, reducer_version = ? WHERE id = 1',
    );
    this.#headStatement = db.prepare('SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1');
  }

  /**
   * The append hook: inside the append transaction, after the inserts. When the tables reflect
   * exactly the chain this batch extends (the usual case: one indexed read), only the batch's
   * projected events are applied; otherwise the tables are synced from the stored events.
   */
  afterAppend(events: readonly SealedEvent[]): void {
    const first = events[0]?.envelope;
    const last = events.at(-1);
    if (first === undefined || last === undefined) return;
    const state = this.#readState.get()!;
    const extends_ =
      state.reducer_version === this.#models.version &&
      state.through_seq === first.seq - 1 &&
      state.through_hash === first.prev_hash;
    if (!extends_) {
      this.#sync();
      return;
    }
    const projected: RowEvent[] = [];
    for (const { envelope, hash } of events) {
      if (this.#models.types.has(envelope.type)) projected.push({ ...envelope, hash });
    }
    if (projected.length > 0) this.#models.project(this.#appended, projected);
    this.#setState(last.envelope.seq, last.hash);
  }

  #setState(seq: number, hash: string): void {
    this.#writeState.run(seq, hash, this.#models.version);
  }

  /**
   * Brings the tables up to the events (on open). Two indexed reads when they are current; only a
   * ledger whose tables are behind takes the write lock, so opening to read never waits on writers.
   */
  sync(): void {
    if (!this.current()) this.#db.transaction(() => this.#sync()).immediate();
  }

  /**
   * Whether the tables reflect the chain up to its head, by the read models it was given: what a reader,
   * which never syncs, must know before it answers from them. State and head are read in one
   * transaction, since an append updates both in one.
   */
  current(): boolean {
    return this.#db.transaction(() => {
      const state = this.#readState.get()!;
      const head = this.#headStatement.get();
      return (
        state.reducer_version === this.#models.version &&
        state.through_seq === (head?.seq ?? 0) &&
        state.through_hash === (head?.hash ?? GENESIS_HASH)
      );
    })();
  }

  /** Empties the tables and re-applies every event (`kfm replay`), in one write transaction. */
  rebuild(): void {
    this.#db.transaction(() => this.#sync(true)).immediate();
  }

  #sync(rebuild = false): void {
    const state = this.#readState.get()!;
    const head = this.#headStatement.get();
    const at = this.#db.prepare('SELECT hash FROM events WHERE seq = ?').pluck().get(state.through_seq);
    // The cache is a prefix of this chain only if the event it stopped at still has its hash.
    const intact =
      !rebuild &&
      state.reducer_version === this.#models.version &&
      (state.through_seq === 0 || at === state.through_hash);
    if (intact && state.through_seq === (head?.seq ?? 0)) return;
    if (!intact) for (const table of PROJECTION_TABLE_NAMES) this.#db.prepare(`DELETE FROM ${table}`).run();
    this.#applyStored(intact ? state.through_seq : 0);
    this.#setState(head?.seq ?? 0, head?.hash ?? GENESIS_HASH);
  }

  /**
   * Applies stored events after `afterSeq`, a page at a time: better-sqlite3 cannot write while a
   * read on the same connection is open, and one page keeps memory flat on a large ledger.
   */
  #applyStored(afterSeq: number): void {
    const types = [...this.#models.types].map((t) => `'${t.replaceAll("'", "''")}'`).join(', ');
    const page = this.#db.prepare<[number, number], { seq: number; body: Uint8Array; hash: string }>(
      `SELECT seq, body, hash FROM events WHERE seq > ? AND type IN (${types}) ORDER BY seq LIMIT ?`,
    );
    for (let rows = page.all(afterSeq, PAGE); rows.length > 0; rows = page.all(rows.at(-1)!.seq, PAGE)) {
      // A body that is not JSON is verify's finding (BODY_UNREADABLE); the cache skips it.
      const events = rows.flatMap((row) => decodeStored(row.body, row.hash) ?? []);
      this.#models.project(this.#refilled, events);
    }
  }

  /**
   * The rows as stored: of one dataset (`kfm replay --check` compares a
   * dataset at a time, by index) or of all.
   */
  rows(datasetId?: string): ProjectionRows {
    const rows = {} as ProjectionRows;
    const where = datasetId === undefined ? '' : ' WHERE dataset_id = ?';
    const params = datasetId === undefined ? [] : [datasetId];
    for (const table of PROJECTION_TABLE_NAMES) {
      const all = this.#db.prepare(`SELECT * FROM ${table}${where}`).all(...params) as Columns[];
      rows[table] = new Map(all.map((c) => [rowKey(table, c), c]));
    }
    return rows;
  }

  /** Every dataset with a row in any table: replay looks for rows of datasets the ledger lacks. */
  datasetIds(): string[] {
    const union = PROJECTION_TABLE_NAMES.map((t) => `SELECT dataset_id FROM ${t}`).join(' UNION ');
    return this.#db.prepare(`${union} ORDER BY dataset_id`).pluck().all() as string[];
  }
}

const PAGE = 2000;

/**
 * A tampered payload whose values SQLite's strict tables refuse (text for a count, an object for a
 * path): verify reports the event (SCHEMA_INVALID); the cache skips it rather than refuse to open.
 */
function unstorable(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code.startsWith('SQLITE_CONSTRAINT') || code === 'SQLITE_MISMATCH';
  return error instanceof TypeError && /bind/.test(error.message);
}

function decodeStored(body: Uint8Array, hash: string): RowEvent | null {
  try {
    return { ...(JSON.parse(decoder.decode(body)) as RowEvent), hash };
  } catch {
    return null;
  }
}
