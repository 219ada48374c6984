import type Database from 'better-sqlite3';
import { GENESIS_HASH } from '../../events/constants.js';
import type { SealedEvent } from '../../events/index.js';
import {
  type Columns,
  decodeRun,
  encodeCapture,
  encodeRun,
  encodeVersion,
  PROJECTION_TABLE_NAMES,
  PROJECTION_TABLES,
  type ProjectionRows,
  type ProjectionTable,
  rowKey,
} from '../pure/projection-columns.js';
import {
  type CaptureRow,
  PROJECTED_TYPES,
  type ProjectionStore,
  projectEvent,
  REDUCER_VERSION,
  type RowEvent,
  type RunRow,
  type VersionRow,
} from '../pure/projection-rows.js';

/**
 * The projection tables in SQLite (migrations/0003_projection_tables.ts): the store the pure
 * reducers write through, the hook the append transaction calls, and the sync that brings the
 * tables up to the events when a ledger is opened — after an upgrade (the backfill), appends by an
 * older kfm, or a chain rewritten under the cache (then the tables are rebuilt from scratch).
 */

const upsert = (table: ProjectionTable) => {
  const columns = PROJECTION_TABLES[table].columns;
  return `INSERT OR REPLACE INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`;
};

class SqliteProjectionStore implements ProjectionStore {
  readonly #getRun: Database.Statement<[string, string], Columns>;
  readonly #putRun: Database.Statement<[Columns]>;
  readonly #hasVersion: Database.Statement<[string, string], unknown>;
  readonly #putVersion: Database.Statement<[Columns]>;
  readonly #putCapture: Database.Statement<[Columns]>;

  constructor(db: Database.Database) {
    this.#getRun = db.prepare('SELECT * FROM proj_runs WHERE dataset_id = ? AND run_id = ?');
    this.#putRun = db.prepare(upsert('proj_runs'));
    this.#hasVersion = db.prepare('SELECT 1 FROM proj_versions WHERE dataset_id = ? AND version_id = ?');
    this.#putVersion = db.prepare(upsert('proj_versions'));
    this.#putCapture = db.prepare(upsert('proj_captures'));
  }

  getRun(datasetId: string, runId: string) {
    const row = this.#getRun.get(datasetId, runId);
    return row === undefined ? undefined : decodeRun(row);
  }
  putRun(row: RunRow) {
    this.#putRun.run(encodeRun(row));
  }
  hasVersion(datasetId: string, versionId: string) {
    return this.#hasVersion.get(datasetId, versionId) !== undefined;
  }
  putVersion(row: VersionRow) {
    this.#putVersion.run(encodeVersion(row));
  }
  putCapture(row: CaptureRow) {
    this.#putCapture.run(encodeCapture(row));
  }
}

/**
 * Run rows of one append batch, read once and written once: a batch of a thousand captures of one
 * run then costs one run-row read and write instead of a thousand (the other rows pass through).
 */
class BatchRuns implements ProjectionStore {
  readonly #store: ProjectionStore;
  readonly #runs = new Map<string, RunRow>();

  constructor(store: ProjectionStore) {
    this.#store = store;
  }
  getRun(datasetId: string, runId: string) {
    return this.#runs.get(`${datasetId}/${runId}`) ?? this.#store.getRun(datasetId, runId);
  }
  putRun(row: RunRow) {
    this.#runs.set(`${row.dataset_id}/${row.run_id}`, row);
  }
  hasVersion(datasetId: string, versionId: string) {
    return this.#store.hasVersion(datasetId, versionId);
  }
  putVersion(row: VersionRow) {
    this.#store.putVersion(row);
  }
  putCapture(row: CaptureRow) {
    this.#store.putCapture(row);
  }
  flush(): void {
    for (const row of this.#runs.values()) this.#store.putRun(row);
  }
}

interface State {
  through_seq: number;
  through_hash: string;
  reducer_version: number;
}

const TYPE_LIST = [...PROJECTED_TYPES].map((t) => `'${t}'`).join(', ');
const decoder = new TextDecoder();

export class ProjectionTables {
  readonly #db: Database.Database;
  readonly #store: SqliteProjectionStore;
  readonly #readState: Database.Statement<[], State>;
  readonly #writeState: Database.Statement<[number, string]>;
  readonly #headStatement: Database.Statement<[], { seq: number; hash: string }>;

  /** Null when the ledger predates the tables (tests and benchmarks migrate to older schemas). */
  static open(db: Database.Database): ProjectionTables | null {
    const found = db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'proj_state'")
      .get();
    return found === undefined ? null : new ProjectionTables(db);
  }

  private constructor(db: Database.Database) {
    this.#db = db;
    this.#store = new SqliteProjectionStore(db);
    this.#readState = db.prepare(
      'SELECT through_seq, through_hash, reducer_version FROM proj_state WHERE id = 1',
    );
    this.#writeState = db.prepare(
      `UPDATE proj_state SET through_seq = ?, through_hash = ?, reducer_version = ${REDUCER_VERSION} WHERE id = 1`,
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
      state.reducer_version === REDUCER_VERSION &&
      state.through_seq === first.seq - 1 &&
      state.through_hash === first.prev_hash;
    if (!extends_) {
      this.#sync();
      return;
    }
    const batch = new BatchRuns(this.#store);
    for (const { envelope, hash } of events) {
      if (PROJECTED_TYPES.has(envelope.type)) projectEvent(batch, { ...envelope, hash });
    }
    batch.flush();
    this.#writeState.run(last.envelope.seq, last.hash);
  }

  /**
   * Brings the tables up to the events (on open). Two indexed reads when they are current; only a
   * ledger whose tables are behind takes the write lock, so opening to read never waits on writers.
   */
  sync(): void {
    if (!this.current()) this.#db.transaction(() => this.#sync()).immediate();
  }

  /**
   * Whether the tables reflect the chain up to its head, by this kfm's reducers: what a reader,
   * which never syncs, must know before it answers from them. State and head are read in one
   * transaction, since an append updates both in one.
   */
  current(): boolean {
    return this.#db.transaction(() => {
      const state = this.#readState.get()!;
      const head = this.#headStatement.get();
      return (
        state.reducer_version === REDUCER_VERSION &&
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
      state.reducer_version === REDUCER_VERSION &&
      (state.through_seq === 0 || at === state.through_hash);
    if (intact && state.through_seq === (head?.seq ?? 0)) return;
    if (!intact) for (const table of PROJECTION_TABLE_NAMES) this.#db.prepare(`DELETE FROM ${table}`).run();
    this.#applyStored(intact ? state.through_seq : 0);
    this.#writeState.run(head?.seq ?? 0, head?.hash ?? GENESIS_HASH);
  }

  /**
   * Applies stored events after `afterSeq`, a page at a time: better-sqlite3 cannot write while a
   * read on the same connection is open, and one page keeps memory flat on a large ledger.
   */
  #applyStored(afterSeq: number): void {
    const page = this.#db.prepare<[number, number], { seq: number; body: Uint8Array; hash: string }>(
      `SELECT seq, body, hash FROM events WHERE seq > ? AND type IN (${TYPE_LIST}) ORDER BY seq LIMIT ?`,
    );
    for (let rows = page.all(afterSeq, PAGE); rows.length > 0; rows = page.all(rows.at(-1)!.seq, PAGE)) {
      for (const row of rows) {
        const event = decodeStored(row.body, row.hash);
        // A body that is not JSON is verify's finding (BODY_UNREADABLE); the cache skips it.
        if (event === null) continue;
        try {
          projectEvent(this.#store, event);
        } catch (error) {
          if (!unstorable(error)) throw error;
        }
      }
    }
  }

  /**
   * The rows as stored, in the reducers' encoding: of one dataset (`kfm replay --check` compares a
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
