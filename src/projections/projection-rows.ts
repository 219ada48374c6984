import type { PayloadOf } from '../events/index.js';
import type { RowRef } from '../ledger/read-models.js';
import type { LedgerEvent } from './ledger-event.js';

/**
 * The reducers behind the projection tables (migrations/0003_projection_tables.ts): each event of a
 * lineage type becomes row upserts. The ledger applies them in its append transaction (it is given
 * them as READ_MODELS, read-models.ts), `kfm replay` re-applies them to empty tables, and
 * `kfm replay --check` applies them to memory and compares — one set of pure functions, so the three
 * can never disagree. Pure: no clock, no I/O, inputs are never mutated.
 */

/** Bump when a reducer or encoding changes: ledgers then rebuild their tables when next opened. */
export const REDUCER_VERSION = 2;

export type RunStatus = 'running' | PayloadOf<'run.completed'>['status'];

export interface StageRow {
  stage: PayloadOf<'run.started'>['stage'];
  status: RunStatus;
  spec_hash: string;
  started_seq: number;
  started_at: string;
  completed_seq: number | null;
  completed_at: string | null;
  error: { code: string; message: string } | null;
}

export interface RunRow {
  dataset_id: string;
  run_id: string;
  /** A backfill's child run: the backfill run that started it (its run.started names it). */
  parent_run_id: string | null;
  /** The latest stage's outcome: `running` until its run.completed. */
  status: RunStatus;
  stage: StageRow['stage'] | null;
  first_seq: number;
  /** Seq of the run's latest lineage event (normally its last run.completed). */
  last_seq: number;
  started_at: string;
  completed_at: string | null;
  stages: StageRow[];
  captures: number;
  validation: { passed: boolean; seq: number } | null;
  /** The version the run published or reused, and the seq that recorded it. */
  version_id: string | null;
  reused: boolean;
  promotion_seq: number | null;
  /** Reason codes of the run's latest promotion.denied. */
  denied: string[] | null;
}

export interface VersionRow {
  dataset_id: string;
  version_id: string;
  content_hash: string;
  run_id: string;
  seq: number;
  hash: string;
  published_at: string;
  supersedes: string | null;
  artifacts: PayloadOf<'version.published'>['artifacts'];
  bbox: [number, number, number, number] | null;
}

export interface CaptureRow {
  seq: number;
  dataset_id: string;
  run_id: string;
  capture_id: string;
  path: string;
  sha256: string;
  bytes: number;
  source_uri: string;
  seen_before: boolean;
  captured_at: string;
  hash: string;
}

/** Where upserts go: a ledger's tables through read-models.ts, or a test's Maps. */
export interface ProjectionStore {
  getRun(datasetId: string, runId: string): RunRow | undefined;
  putRun(row: RunRow): void;
  hasVersion(datasetId: string, versionId: string): boolean;
  putVersion(row: VersionRow): void;
  putCapture(row: CaptureRow): void;
}

/** Only these types touch a table: every other append pays one Set lookup and nothing else. */
export const PROJECTED_TYPES: ReadonlySet<string> = new Set([
  'run.started',
  'run.completed',
  'raw.captured',
  'validation.reported',
  'promotion.denied',
  'version.published',
  'version.reused',
]);

/**
 * Applies one event's upserts; events must arrive in seq order, each once. Every row is computed
 * before any is written, so an event whose payload cannot be read (a tampered body that still
 * parses: verify's SCHEMA_INVALID) changes nothing and returns false, on every path alike.
 */
export function projectEvent(store: ProjectionStore, event: LedgerEvent): boolean {
  if (!PROJECTED_TYPES.has(event.type)) return false;
  let run: RunRow;
  let capture: CaptureRow | null = null;
  let version: VersionRow | null = null;
  try {
    run = evolveRunRow(store.getRun(event.dataset_id, event.run_id), event);
    if (event.type === 'raw.captured') capture = captureRowOf(event);
    else if (event.type === 'version.published') version = versionRowOf(event);
  } catch {
    return false;
  }
  store.putRun(run);
  if (capture !== null) store.putCapture(capture);
  // A version id is published once; a second publication is verify --deep's finding, not a new row.
  if (version !== null && !store.hasVersion(version.dataset_id, version.version_id))
    store.putVersion(version);
  return true;
}

/** The rows projectEvent may read for `event`: its run, and the version a publication names. */
export function rowsReadBy(event: LedgerEvent): RowRef[] {
  if (!PROJECTED_TYPES.has(event.type)) return [];
  const run: RowRef = { table: 'proj_runs', key: [event.dataset_id, event.run_id] };
  if (event.type !== 'version.published') return [run];
  const versionId = (event.payload as PayloadOf<'version.published'>).version_id;
  return [run, { table: 'proj_versions', key: [event.dataset_id, versionId] }];
}

/** The run row after `event` (a run row exists from the run's first projected event on). */
export function evolveRunRow(state: RunRow | undefined, event: LedgerEvent): RunRow {
  const row: RunRow = state === undefined ? emptyRunRow(event) : { ...state, last_seq: event.seq };
  const p = event.payload as Record<string, unknown>;
  switch (event.type) {
    case 'run.started': {
      const s = p as PayloadOf<'run.started'>;
      const stage: StageRow = {
        stage: s.stage,
        status: 'running',
        spec_hash: s.spec_hash,
        started_seq: event.seq,
        started_at: event.recorded_at,
        completed_seq: null,
        completed_at: null,
        error: null,
      };
      const parent = row.parent_run_id ?? s.parent_run_id ?? null;
      return {
        ...row,
        parent_run_id: parent,
        status: 'running',
        stage: s.stage,
        stages: [...row.stages, stage],
      };
    }
    case 'run.completed': {
      const c = p as PayloadOf<'run.completed'>;
      const error = c.error === undefined ? null : { code: c.error.code, message: c.error.message };
      const last = row.stages.at(-1);
      const stages =
        last === undefined || last.completed_seq !== null
          ? row.stages
          : [
              ...row.stages.slice(0, -1),
              { ...last, status: c.status, completed_seq: event.seq, completed_at: event.recorded_at, error },
            ];
      return { ...row, status: c.status, completed_at: event.recorded_at, stages };
    }
    case 'raw.captured':
      return { ...row, captures: row.captures + 1 };
    case 'validation.reported':
      return {
        ...row,
        validation: { passed: (p as PayloadOf<'validation.reported'>).passed, seq: event.seq },
      };
    case 'promotion.denied':
      return { ...row, denied: (p as PayloadOf<'promotion.denied'>).reasons.map((r) => r.code) };
    case 'version.published':
    case 'version.reused':
      return {
        ...row,
        version_id: (p as PayloadOf<'version.reused'>).version_id,
        reused: event.type === 'version.reused',
        promotion_seq: event.seq,
        denied: null,
      };
    default:
      return row;
  }
}

function emptyRunRow(event: LedgerEvent): RunRow {
  return {
    dataset_id: event.dataset_id,
    run_id: event.run_id,
    parent_run_id: null,
    status: 'running',
    stage: null,
    first_seq: event.seq,
    last_seq: event.seq,
    started_at: event.recorded_at,
    completed_at: null,
    stages: [],
    captures: 0,
    validation: null,
    version_id: null,
    reused: false,
    promotion_seq: null,
    denied: null,
  };
}

export function versionRowOf(event: LedgerEvent): VersionRow {
  const p = event.payload as PayloadOf<'version.published'>;
  return {
    dataset_id: event.dataset_id,
    version_id: p.version_id,
    content_hash: p.content_hash,
    run_id: event.run_id,
    seq: event.seq,
    hash: event.hash,
    published_at: event.recorded_at,
    supersedes: p.supersedes,
    artifacts: p.artifacts.map((a) => ({ path: a.path, sha256: a.sha256, bytes: a.bytes })),
    bbox: p.bbox ?? null,
  };
}

export function captureRowOf(event: LedgerEvent): CaptureRow {
  const p = event.payload as PayloadOf<'raw.captured'>;
  return {
    seq: event.seq,
    dataset_id: event.dataset_id,
    run_id: event.run_id,
    capture_id: p.capture_id,
    path: p.path,
    sha256: p.sha256,
    bytes: p.bytes,
    source_uri: p.source_uri,
    seen_before: p.seen_before === true,
    captured_at: event.recorded_at,
    hash: event.hash,
  };
}
