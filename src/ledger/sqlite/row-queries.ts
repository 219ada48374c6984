import type Database from 'better-sqlite3';
import type { Columns, RowQueries, RunFilter } from '../read-models.js';

/**
 * The read-model queries (RowQueries) in SQLite: reads of the projection tables and point reads of
 * `events`. Every query here is answered from an index (see migrations 0002 and 0003), never by
 * scanning the ledger.
 */
export class SqliteRowQueries implements RowQueries {
  readonly #db: Database.Database;
  readonly #statements = new Map<string, Database.Statement>();

  constructor(db: Database.Database) {
    this.#db = db;
  }

  #all(sql: string, ...params: unknown[]): Columns[] {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement.all(...params) as Columns[];
  }

  async runs(filter: RunFilter = {}): Promise<Columns[]> {
    const where: string[] = [];
    const params: string[] = [];
    for (const key of ['dataset_id', 'run_id', 'status'] as const) {
      const value = filter[key];
      if (value === undefined) continue;
      where.push(`${key} = ?`);
      params.push(value);
    }
    const clause = where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`;
    // Without statistics SQLite prefers the status index even for one dataset's few runs.
    const index =
      filter.dataset_id !== undefined && filter.run_id === undefined
        ? ' INDEXED BY proj_runs_by_dataset'
        : '';
    return this.#all(`SELECT * FROM proj_runs${index}${clause} ORDER BY first_seq`, ...params);
  }

  async datasetKnown(datasetId: string, toSeq = Number.MAX_SAFE_INTEGER): Promise<boolean> {
    return (
      this.#all('SELECT 1 FROM proj_runs WHERE dataset_id = ? AND first_seq <= ? LIMIT 1', datasetId, toSeq)
        .length > 0
    );
  }

  async versions(datasetId: string): Promise<Columns[]> {
    return this.#all('SELECT * FROM proj_versions WHERE dataset_id = ? ORDER BY seq', datasetId);
  }

  async versionsById(versionId: string): Promise<Columns[]> {
    return this.#all('SELECT * FROM proj_versions WHERE version_id = ? ORDER BY seq', versionId);
  }

  async runsOfVersion(datasetId: string, versionId: string): Promise<Columns[]> {
    return this.#all(
      'SELECT * FROM proj_runs INDEXED BY proj_runs_by_version WHERE version_id = ? AND dataset_id = ? ORDER BY first_seq',
      versionId,
      datasetId,
    );
  }

  async capturesBySha256(sha256: string): Promise<Columns[]> {
    return this.#all('SELECT * FROM proj_captures WHERE sha256 = ? ORDER BY seq', sha256);
  }

  /** By the UNIQUE index on event_id. */
  async seqOfEventId(eventId: string): Promise<number | null> {
    const row = this.#all('SELECT seq FROM events WHERE event_id = ?', eventId)[0];
    return row === undefined ? null : (row.seq as number);
  }

  /** events_by_dataset walks the dataset's events in seq order. */
  async firstDatasetSeqAfter(datasetId: string, iso: string): Promise<number | null> {
    const row = this.#all(
      'SELECT seq FROM events WHERE dataset_id = ? AND recorded_at > ? ORDER BY seq LIMIT 1',
      datasetId,
      iso,
    )[0];
    return row === undefined ? null : (row.seq as number);
  }
}
