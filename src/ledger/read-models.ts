import type { Envelope } from '../events/index.js';

/**
 * What the ledger knows of its read models (the projection tables): their layout, which its
 * migrations create, and an interface through which reducers it is given keep them. The reducers
 * themselves, the row shapes and their encoding are src/projections/'s; whoever opens a ledger
 * passes them in (OpenDoorOptions.readModels), so the ledger never imports a projection.
 */

/** An event as read models see it: the hashed envelope and its hash (projections' LedgerEvent). */
export type RowEvent = Envelope & { hash: string };

/** A stored column: one per scalar, JSON text for lists, 0/1 for booleans (as SQLite keeps them). */
export type Column = string | number | null;
export type Columns = Record<string, Column>;

/**
 * The projection tables as migrations/0003_projection_tables.ts (and its PostgreSQL twin) create
 * them: `key` names a row in reports and lookups, `primaryKey` is the table's own (an upsert's
 * conflict target), `columns` is every column in storage order.
 */
export const PROJECTION_TABLES = {
  proj_runs: {
    key: ['dataset_id', 'run_id'],
    primaryKey: ['dataset_id', 'run_id'],
    columns: [
      'dataset_id',
      'run_id',
      'status',
      'stage',
      'first_seq',
      'last_seq',
      'started_at',
      'completed_at',
      'stages',
      'captures',
      'validation_passed',
      'validation_seq',
      'version_id',
      'reused',
      'promotion_seq',
      'denied',
      'parent_run_id',
    ],
  },
  proj_versions: {
    key: ['dataset_id', 'version_id'],
    primaryKey: ['dataset_id', 'version_id'],
    columns: [
      'dataset_id',
      'version_id',
      'content_hash',
      'run_id',
      'seq',
      'hash',
      'published_at',
      'supersedes',
      'artifacts',
      'bbox',
    ],
  },
  proj_captures: {
    key: ['dataset_id', 'seq'],
    primaryKey: ['seq'],
    columns: [
      'seq',
      'dataset_id',
      'run_id',
      'capture_id',
      'path',
      'sha256',
      'bytes',
      'source_uri',
      'seen_before',
      'captured_at',
      'hash',
    ],
  },
} as const;
export type ProjectionTable = keyof typeof PROJECTION_TABLES;
export const PROJECTION_TABLE_NAMES = Object.keys(PROJECTION_TABLES) as ProjectionTable[];

/** A row's key as people read it in drift reports: `ks_x/01J…`, `ks_x/v0123…`, `ks_x/33`. */
export function rowKey(table: ProjectionTable, columns: Columns): string {
  return keyText(PROJECTION_TABLES[table].key.map((k) => columns[k] ?? null));
}

const keyText = (key: readonly Column[]): string => key.map(String).join('/');

/** The tables as plain data: table → row key → stored columns. */
export type ProjectionRows = Record<ProjectionTable, Map<string, Columns>>;

/** Where reducers read and write rows while a batch of events is projected. */
export interface RowStore {
  /** The stored row whose key columns (PROJECTION_TABLES[table].key, in order) have these values. */
  get(table: ProjectionTable, key: readonly Column[]): Columns | undefined;
  /** Inserts the row, or replaces the one with its key. */
  put(table: ProjectionTable, row: Columns): void;
}

/** A row a reducer may read while it projects an event. */
export interface RowRef {
  table: ProjectionTable;
  key: Column[];
}

/**
 * The read models a ledger keeps in each append transaction: given by whoever opens it. Their
 * tables are caches: dropped and refilled by `project` from the events whenever `version` changes.
 */
export interface ReadModels {
  /** Bump when a reducer or encoding changes: a writer then rebuilds the tables when it opens them. */
  readonly version: number;
  /** Only events of these types reach `reads` and `project`; others cost one Set lookup. */
  readonly types: ReadonlySet<string>;
  /**
   * Every row projecting `event` may `get`: a backend whose reads are remote (PostgreSQL) loads them
   * before the batch is reduced, since reducers read synchronously.
   */
  reads(event: RowEvent): RowRef[];
  /** Applies a batch of events (seq order, each once, all of `types`) to the rows. */
  project(rows: RowStore, events: readonly RowEvent[]): void;
}

/** Run filters the read-model queries take. */
export interface RunFilter {
  dataset_id?: string;
  run_id?: string;
  status?: string;
}

/**
 * The read-model queries, each answered from an index of the tables or of `events` (migrations
 * 0002 and 0003); rows come back as stored, and src/projections/ decodes them.
 */
export interface RowQueries {
  /** Run rows oldest first: of one dataset, or all; optionally of one status or one run id. */
  runs(filter?: RunFilter): Promise<Columns[]>;
  /** Whether any run of the dataset has a projected event (started, captured …) at or before `toSeq`. */
  datasetKnown(datasetId: string, toSeq?: number): Promise<boolean>;
  /** A dataset's version rows, oldest first. */
  versions(datasetId: string): Promise<Columns[]>;
  /** Version rows with this id, in any dataset (ids are content hashes, so normally one). */
  versionsById(versionId: string): Promise<Columns[]>;
  /** Run rows whose latest promotion recorded this version (published or reused). */
  runsOfVersion(datasetId: string, versionId: string): Promise<Columns[]>;
  /** Capture rows with this content, in any dataset. */
  capturesBySha256(sha256: string): Promise<Columns[]>;
  /** The seq of an event id, or null. */
  seqOfEventId(eventId: string): Promise<number | null>;
  /** The first event of the dataset recorded after `iso`, or null. */
  firstDatasetSeqAfter(datasetId: string, iso: string): Promise<number | null>;
}

/** Tables in memory: the memory door's, and what a replay projects to compare with stored ones. */
export class MemoryRows implements RowStore {
  readonly #tables = new Map<ProjectionTable, Map<string, Columns>>(
    PROJECTION_TABLE_NAMES.map((table) => [table, new Map()]),
  );

  get(table: ProjectionTable, key: readonly Column[]): Columns | undefined {
    return this.#tables.get(table)!.get(keyText(key));
  }

  put(table: ProjectionTable, row: Columns): void {
    this.#tables.get(table)!.set(rowKey(table, row), { ...row });
  }

  /** Every row of the table, in no particular order. */
  all(table: ProjectionTable): Columns[] {
    return [...this.#tables.get(table)!.values()];
  }

  clear(): void {
    for (const rows of this.#tables.values()) rows.clear();
  }

  /** Copies of the rows, of one dataset or of all. */
  rows(datasetId?: string): ProjectionRows {
    const rows = {} as ProjectionRows;
    for (const [table, stored] of this.#tables) {
      const kept = [...stored].filter(([, c]) => datasetId === undefined || c.dataset_id === datasetId);
      rows[table] = new Map(kept.map(([key, c]) => [key, { ...c }]));
    }
    return rows;
  }
}
