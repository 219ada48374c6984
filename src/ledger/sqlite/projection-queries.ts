import type Database from 'better-sqlite3';
import { type Columns, decodeCapture, decodeRun, decodeVersion } from '../pure/projection-columns.js';
import type { CaptureRow, RunRow, VersionRow } from '../pure/projection-rows.js';

/**
 * Reads of the projection tables and point reads of `events`, for the query commands. Every query
 * here is answered from an index (see migrations 0002 and 0003), never by scanning the ledger.
 */
export class ProjectionQueries {
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

  /** Runs oldest first: of one dataset, or all; optionally of one status or one run id. */
  runs(filter: { dataset_id?: string; run_id?: string; status?: string } = {}): RunRow[] {
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
    return this.#all(`SELECT * FROM proj_runs${index}${clause} ORDER BY first_seq`, ...params).map(decodeRun);
  }

  /** Whether any run of the dataset has a projected event (started, captured …) at or before `toSeq`. */
  datasetKnown(datasetId: string, toSeq = Number.MAX_SAFE_INTEGER): boolean {
    return (
      this.#all('SELECT 1 FROM proj_runs WHERE dataset_id = ? AND first_seq <= ? LIMIT 1', datasetId, toSeq)
        .length > 0
    );
  }

  /** A dataset's versions, oldest first. */
  versions(datasetId: string): VersionRow[] {
    return this.#all('SELECT * FROM proj_versions WHERE dataset_id = ? ORDER BY seq', datasetId).map(
      decodeVersion,
    );
  }

  /** Versions with this id, in any dataset (ids are content hashes, so normally one). */
  versionsById(versionId: string): VersionRow[] {
    return this.#all('SELECT * FROM proj_versions WHERE version_id = ? ORDER BY seq', versionId).map(
      decodeVersion,
    );
  }

  /** Runs whose latest promotion recorded this version (published or reused). */
  runsOfVersion(datasetId: string, versionId: string): RunRow[] {
    return this.#all(
      'SELECT * FROM proj_runs INDEXED BY proj_runs_by_version WHERE version_id = ? AND dataset_id = ? ORDER BY first_seq',
      versionId,
      datasetId,
    ).map(decodeRun);
  }

  /** Raw captures with this content, in any dataset. */
  capturesBySha256(sha256: string): CaptureRow[] {
    return this.#all('SELECT * FROM proj_captures WHERE sha256 = ? ORDER BY seq', sha256).map(decodeCapture);
  }

  /** The seq of an event id (the UNIQUE index on event_id), or null. */
  seqOfEventId(eventId: string): number | null {
    const row = this.#all('SELECT seq FROM events WHERE event_id = ?', eventId)[0];
    return row === undefined ? null : (row.seq as number);
  }

  /**
   * The first event of the dataset recorded after `iso` (events_by_dataset walks the dataset's
   * events in seq order), or null when none is.
   */
  firstDatasetSeqAfter(datasetId: string, iso: string): number | null {
    const row = this.#all(
      'SELECT seq FROM events WHERE dataset_id = ? AND recorded_at > ? ORDER BY seq LIMIT 1',
      datasetId,
      iso,
    )[0];
    return row === undefined ? null : (row.seq as number);
  }
}
