import type { PayloadOf } from '../events/index.js';
import { type BackfillRecord, projectBackfill } from './backfill-record.js';
import { isType, type LedgerEvent } from './ledger-event.js';

export interface StageRecord {
  stage: PayloadOf<'run.started'>['stage'];
  status: PayloadOf<'run.completed'>['status'] | 'running';
  started_at: string;
  completed_at: string | null;
  started_seq: number;
  completed_seq: number | null;
  spec_hash: string;
  args: Record<string, unknown>;
  window: PayloadOf<'run.started'>['window'] | null;
  dry_run: boolean;
  parent_run_id: string | null;
  actor: LedgerEvent['actor'];
  error: PayloadOf<'run.completed'>['error'] | null;
}

export interface RunRecord {
  kind: 'kfm.run_record';
  dataset_id: string;
  run_id: string;
  status: StageRecord['status'];
  stages: StageRecord[];
  sources: PayloadOf<'source.discovered'>[];
  captures: PayloadOf<'raw.captured'>[];
  artifacts: PayloadOf<'work.artifact.written'>[];
  transforms: (PayloadOf<'transform.applied'> & { seq: number })[];
  validation: { passed: boolean; seq: number; failed_checks: string[] } | null;
  ledger: { first_seq: number; last_seq: number; events: number; last_hash: string };
  /** A backfill parent run only: every window, its outcome and timings (see backfill-record.ts). */
  backfill?: BackfillRecord;
}

/** The run_record receipt, folded from the run's events in seq order (Emmett-style evolve). */
export function evolveRunRecord(state: RunRecord | null, event: LedgerEvent): RunRecord {
  const record = state ?? emptyRunRecord(event);
  record.ledger = {
    first_seq: record.ledger.events === 0 ? event.seq : record.ledger.first_seq,
    last_seq: event.seq,
    events: record.ledger.events + 1,
    last_hash: event.hash,
  };
  if (isType(event, 'run.started')) {
    const p = event.payload;
    record.stages.push({
      stage: p.stage,
      status: 'running',
      started_at: event.recorded_at,
      completed_at: null,
      started_seq: event.seq,
      completed_seq: null,
      spec_hash: p.spec_hash,
      args: p.args,
      window: p.window ?? null,
      dry_run: p.dry_run,
      parent_run_id: p.parent_run_id ?? null,
      actor: event.actor,
      error: null,
    });
    record.status = 'running';
  } else if (isType(event, 'run.completed')) {
    const stage = record.stages.at(-1);
    if (stage !== undefined) {
      stage.status = event.payload.status;
      stage.completed_at = event.recorded_at;
      stage.completed_seq = event.seq;
      stage.error = event.payload.error ?? null;
    }
    record.status = event.payload.status;
  } else if (isType(event, 'source.discovered')) record.sources.push(event.payload);
  else if (isType(event, 'raw.captured')) record.captures.push(event.payload);
  else if (isType(event, 'work.artifact.written')) record.artifacts.push(event.payload);
  else if (isType(event, 'transform.applied')) record.transforms.push({ ...event.payload, seq: event.seq });
  else if (isType(event, 'validation.reported')) {
    record.validation = {
      passed: event.payload.passed,
      seq: event.seq,
      failed_checks: event.payload.checks.filter((c) => !c.passed).map((c) => c.name),
    };
  }
  return record;
}

function emptyRunRecord(event: LedgerEvent): RunRecord {
  return {
    kind: 'kfm.run_record',
    dataset_id: event.dataset_id,
    run_id: event.run_id,
    status: 'running',
    stages: [],
    sources: [],
    captures: [],
    artifacts: [],
    transforms: [],
    validation: null,
    ledger: { first_seq: event.seq, last_seq: event.seq, events: 0, last_hash: event.hash },
  };
}

/**
 * A backfill parent's record also lists its windows, which live in its child runs: pass the
 * dataset's events (`datasetEvents`), of which only those up to the run's last event are read, so
 * the record rendered when the run completed and the one replayed later are the same bytes.
 */
export function projectRunRecord(
  events: Iterable<LedgerEvent>,
  datasetEvents?: readonly LedgerEvent[],
): RunRecord | null {
  let state: RunRecord | null = null;
  for (const event of events) state = evolveRunRecord(state, event);
  if (state !== null && datasetEvents !== undefined && state.stages.some((s) => s.stage === 'backfill')) {
    const last = state.ledger.last_seq;
    const backfill = projectBackfill(
      datasetEvents.filter((e) => e.seq <= last),
      state.run_id,
    );
    if (backfill !== null) state.backfill = backfill;
  }
  return state;
}
