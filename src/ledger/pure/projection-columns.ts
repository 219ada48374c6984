import {
  type CaptureRow,
  type ProjectionStore,
  projectEvent,
  type RowEvent,
  type RunRow,
  type VersionRow,
} from './projection-rows.js';

/**
 * How projection rows are stored: one SQLite column per scalar, JSON text for lists, 0/1 for
 * booleans (migrations/0003_projection_tables.ts). The SQLite store and the in-memory store of
 * `replay --check` both encode through here, so a stored row and its replay compare as equal
 * column values; JSON text is written by JSON.stringify from objects built in a fixed key order.
 */
export type Column = string | number | null;
export type Columns = Record<string, Column>;

export const PROJECTION_TABLES = {
  proj_runs: {
    key: ['dataset_id', 'run_id'],
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
  return PROJECTION_TABLES[table].key.map((k) => String(columns[k])).join('/');
}

const json = (value: unknown): string => JSON.stringify(value);
/** SQLite has no undefined; a field missing from a (tampered) payload is stored, and replayed, as null. */
const nulls = (columns: Record<string, Column | undefined>): Columns => {
  for (const key in columns) if (columns[key] === undefined) columns[key] = null;
  return columns as Columns;
};
const bool = (value: boolean): number => (value ? 1 : 0);

export function encodeRun(r: RunRow): Columns {
  return nulls({
    dataset_id: r.dataset_id,
    run_id: r.run_id,
    status: r.status,
    stage: r.stage,
    first_seq: r.first_seq,
    last_seq: r.last_seq,
    started_at: r.started_at,
    completed_at: r.completed_at,
    stages: json(r.stages),
    captures: r.captures,
    validation_passed: r.validation === null ? null : bool(r.validation.passed),
    validation_seq: r.validation?.seq ?? null,
    version_id: r.version_id,
    reused: bool(r.reused),
    promotion_seq: r.promotion_seq,
    denied: r.denied === null ? null : json(r.denied),
    parent_run_id: r.parent_run_id,
  });
}

export function decodeRun(c: Columns): RunRow {
  return {
    dataset_id: c.dataset_id as string,
    run_id: c.run_id as string,
    parent_run_id: c.parent_run_id as string | null,
    status: c.status as RunRow['status'],
    stage: c.stage as RunRow['stage'],
    first_seq: c.first_seq as number,
    last_seq: c.last_seq as number,
    started_at: c.started_at as string,
    completed_at: c.completed_at as string | null,
    stages: JSON.parse(c.stages as string) as RunRow['stages'],
    captures: c.captures as number,
    validation:
      c.validation_passed === null
        ? null
        : { passed: c.validation_passed === 1, seq: c.validation_seq as number },
    version_id: c.version_id as string | null,
    reused: c.reused === 1,
    promotion_seq: c.promotion_seq as number | null,
    denied: c.denied === null ? null : (JSON.parse(c.denied as string) as string[]),
  };
}

export function encodeVersion(v: VersionRow): Columns {
  return nulls({
    dataset_id: v.dataset_id,
    version_id: v.version_id,
    content_hash: v.content_hash,
    run_id: v.run_id,
    seq: v.seq,
    hash: v.hash,
    published_at: v.published_at,
    supersedes: v.supersedes,
    artifacts: json(v.artifacts),
    bbox: v.bbox === null ? null : json(v.bbox),
  });
}

export function decodeVersion(c: Columns): VersionRow {
  return {
    dataset_id: c.dataset_id as string,
    version_id: c.version_id as string,
    content_hash: c.content_hash as string,
    run_id: c.run_id as string,
    seq: c.seq as number,
    hash: c.hash as string,
    published_at: c.published_at as string,
    supersedes: c.supersedes as string | null,
    artifacts: JSON.parse(c.artifacts as string) as VersionRow['artifacts'],
    bbox: c.bbox === null ? null : (JSON.parse(c.bbox as string) as VersionRow['bbox']),
  };
}

export function encodeCapture(r: CaptureRow): Columns {
  return nulls({ ...r, seen_before: bool(r.seen_before) });
}

export function decodeCapture(c: Columns): CaptureRow {
  return { ...(c as unknown as CaptureRow), seen_before: c.seen_before === 1 };
}

/** The tables as plain data: table → row key → encoded columns. */
export type ProjectionRows = Record<ProjectionTable, Map<string, Columns>>;

/** The in-memory store: what the tables must hold after these events (replay --check, tests). */
export class MemoryProjectionStore implements ProjectionStore {
  readonly #runs = new Map<string, RunRow>();
  readonly #versions = new Map<string, VersionRow>();
  readonly #captures = new Map<string, CaptureRow>();

  getRun(datasetId: string, runId: string): RunRow | undefined {
    return this.#runs.get(`${datasetId}/${runId}`);
  }
  putRun(row: RunRow): void {
    this.#runs.set(`${row.dataset_id}/${row.run_id}`, row);
  }
  hasVersion(datasetId: string, versionId: string): boolean {
    return this.#versions.has(`${datasetId}/${versionId}`);
  }
  putVersion(row: VersionRow): void {
    this.#versions.set(`${row.dataset_id}/${row.version_id}`, row);
  }
  putCapture(row: CaptureRow): void {
    this.#captures.set(`${row.dataset_id}/${row.seq}`, row);
  }

  rows(): ProjectionRows {
    const encode = <R>(table: ProjectionTable, rows: Iterable<R>, enc: (row: R) => Columns) =>
      new Map([...rows].map((row) => [rowKey(table, enc(row)), enc(row)] as const));
    return {
      proj_runs: encode('proj_runs', this.#runs.values(), encodeRun),
      proj_versions: encode('proj_versions', this.#versions.values(), encodeVersion),
      proj_captures: encode('proj_captures', this.#captures.values(), encodeCapture),
    };
  }
}

/** The rows a whole ledger projects to, from its events in seq order. */
export function projectRows(events: Iterable<RowEvent>): ProjectionRows {
  const store = new MemoryProjectionStore();
  for (const event of events) projectEvent(store, event);
  return store.rows();
}
