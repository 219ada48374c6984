import { z } from 'zod';
import { Actor, DatasetId, PAYLOADS, RunId, RunStatus, Sha256Hex, Timestamp } from '../events/index.js';
import { BackfillRecord, projectBackfill } from './backfill-record.js';
import { isType, type LedgerEvent } from './ledger-event.js';
import { Count, Seq } from './receipt-fields.js';

const started = PAYLOADS['run.started'].shape;
const completed = PAYLOADS['run.completed'].shape;

/** One stage of the run: its run.started, and its run.completed once there is one. */
export const StageRecord = z.strictObject({
  stage: started.stage,
  /** `running`: no run.completed yet (the receipt is rendered after it, so only a cut-off run). */
  status: z.enum([...RunStatus.options, 'running']),
  started_at: Timestamp,
  completed_at: Timestamp.nullable(),
  started_seq: Seq,
  completed_seq: Seq.nullable(),
  spec_hash: started.spec_hash,
  args: started.args,
  window: started.window.unwrap().nullable(),
  dry_run: started.dry_run,
  parent_run_id: started.parent_run_id.unwrap().nullable(),
  actor: Actor,
  error: completed.error.unwrap().nullable(),
});
export type StageRecord = z.infer<typeof StageRecord>;

/**
 * run_record.json (schemas/run_record/v1.json is generated from this): the receipt's shape is
 * written once, here, and the projection's output is typed from it, so the two cannot drift.
 */
export const RunRecord = z.strictObject({
  kind: z.literal('kfm.run_record'),
  dataset_id: DatasetId,
  run_id: RunId,
  status: StageRecord.shape.status,
  stages: z.array(StageRecord),
  sources: z.array(PAYLOADS['source.discovered']),
  captures: z.array(PAYLOADS['raw.captured']),
  artifacts: z.array(PAYLOADS['work.artifact.written']),
  transforms: z.array(PAYLOADS['transform.applied'].extend({ seq: Seq })),
  validation: z
    .strictObject({ passed: z.boolean(), seq: Seq, failed_checks: z.array(z.string()) })
    .nullable(),
  ledger: z.strictObject({ first_seq: Seq, last_seq: Seq, events: Count, last_hash: Sha256Hex }),
  /** A backfill parent run only: every window, its outcome and timings (see backfill-record.ts). */
  backfill: BackfillRecord.optional(),
});
export type RunRecord = z.infer<typeof RunRecord>;

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
