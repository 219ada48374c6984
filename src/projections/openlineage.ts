import { isType, type LedgerEvent, type LedgerEventOf } from './ledger-event.js';
import {
  declaredSchema,
  type OpenLineageDataset,
  stageDatasets,
  stageFiles,
} from './openlineage-datasets.js';
import {
  type Facet,
  facet,
  JOB_FACETS,
  KFM_LEDGER_FACET,
  KFM_PRODUCER,
  RUN_EVENT_SCHEMA_URL,
  RUN_FACETS,
} from './openlineage-facets.js';
import { runUuid, stageRunUuid } from './openlineage-ids.js';

/**
 * OpenLineage 2-0-2 RunEvents as a projection of the ledger (docs: openlineage.io/spec/2-0-2): one
 * START per `run.started` and one COMPLETE or FAIL per `run.completed`, each a pure function of the
 * event behind it and the earlier events of its run, so a ledger prefix always gives the same events
 * and a longer ledger only adds events after them. A kfm run id spans several stages; each stage is
 * its own OpenLineage run (job `<dataset_id>.<stage>`), whose `parent` facet names the kfm run.
 */

export interface OpenLineageOptions {
  /** Namespace of the jobs and of kfm's own datasets (raw/work files, versions, catalogs). */
  namespace: string;
}

/** The events of one dataset's run with seq ≤ toSeq, in seq order. */
export type RunHistory = (datasetId: string, runId: string, toSeq: number) => readonly LedgerEvent[];

export interface OpenLineageRunEvent {
  eventType: 'START' | 'COMPLETE' | 'FAIL';
  eventTime: string;
  producer: string;
  schemaURL: string;
  run: { runId: string; facets: Record<string, Facet> };
  job: { namespace: string; name: string; facets: Record<string, Facet> };
  inputs: OpenLineageDataset[];
  outputs: OpenLineageDataset[];
}

/** The ledger events an OpenLineage event stands for; every other event only feeds them. */
export function isOpenLineageAnchor(event: { type: string }): boolean {
  return event.type === 'run.started' || event.type === 'run.completed';
}

type Started = LedgerEventOf<'run.started'>;

/**
 * The RunEvent behind `anchor` (a run.started or run.completed), or null for any other event and for
 * a completion with no start before it in its run (no stage to close).
 */
export function projectRunEvent(
  anchor: LedgerEvent,
  history: RunHistory,
  options: OpenLineageOptions,
): OpenLineageRunEvent | null {
  if (!isOpenLineageAnchor(anchor)) return null;
  const events = history(anchor.dataset_id, anchor.run_id, anchor.seq);
  const startIndex = events.findLastIndex((e) => isType(e, 'run.started') && e.seq <= anchor.seq);
  const started = events[startIndex] as Started | undefined;
  if (started === undefined) return null;
  const before = events.slice(0, startIndex);
  const during = events.slice(startIndex + 1).filter((e) => e.seq <= anchor.seq);
  const stage = started.payload.stage;
  const completed = isType(anchor, 'run.completed') ? anchor : null;
  const runFacets: Record<string, Facet> = {
    ...parentFacets(started, history, options),
    ...nominalTime(started),
    processing_engine: facet(RUN_FACETS.processing_engine, {
      name: 'kfm',
      version: started.actor.tool_version,
    }),
    kfm_ledger: facet(KFM_LEDGER_FACET, ledgerFacetOf(anchor, stage, during)),
  };
  if (completed !== null && completed.payload.status !== 'succeeded')
    runFacets.errorMessage = facet(RUN_FACETS.errorMessage, {
      message: failureMessage(completed, during),
      programmingLanguage: 'TypeScript',
    });
  const files =
    stage === 'ingest' ? { inputs: [], outputs: [] } : stageFiles(stage, before, options.namespace);
  return {
    eventType: completed === null ? 'START' : completed.payload.status === 'succeeded' ? 'COMPLETE' : 'FAIL',
    eventTime: anchor.recorded_at,
    producer: KFM_PRODUCER,
    schemaURL: RUN_EVENT_SCHEMA_URL,
    run: { runId: stageRunUuid(started.run_id, stage, started.seq), facets: runFacets },
    job: {
      namespace: options.namespace,
      name: `${started.dataset_id}.${stage}`,
      facets: {
        jobType: facet(JOB_FACETS.jobType, { processingType: 'BATCH', integration: 'KFM', jobType: 'STAGE' }),
      },
    },
    ...(completed === null
      ? { inputs: files.inputs, outputs: [] }
      : stageDatasets(stage, files.inputs, during, options.namespace, declaredSchema(events))),
  };
}

function ledgerFacetOf(anchor: LedgerEvent, stage: string, during: readonly LedgerEvent[]) {
  const denial = during.find((e) => isType(e, 'promotion.denied'));
  return {
    seq: anchor.seq,
    hash: anchor.hash,
    event_id: anchor.event_id,
    type: anchor.type,
    run_id: anchor.run_id,
    stage,
    ...(isType(anchor, 'run.completed') ? { status: anchor.payload.status } : {}),
    ...(denial !== undefined && isType(denial, 'promotion.denied') && isType(anchor, 'run.completed')
      ? { denial_codes: denial.payload.reasons.map((r) => r.code) }
      : {}),
  };
}

function failureMessage(completed: LedgerEventOf<'run.completed'>, during: readonly LedgerEvent[]): string {
  const denial = during.find((e): e is LedgerEventOf<'promotion.denied'> => isType(e, 'promotion.denied'));
  if (denial !== undefined)
    return `promotion denied: ${denial.payload.reasons.map((r) => `${r.code}: ${r.message}`).join('; ')}`;
  const error = completed.payload.error;
  return error === undefined ? `run ${completed.payload.status}` : `${error.code}: ${error.message}`;
}

/**
 * Every stage run's parent is its kfm run (job `<dataset_id>`); a backfill child's parent is the
 * backfill stage run that started it, with the kfm backfill run as the root.
 */
function parentFacets(
  started: Started,
  history: RunHistory,
  options: OpenLineageOptions,
): Record<string, Facet> {
  const ownRun = {
    run: { runId: runUuid(started.run_id) },
    job: { namespace: options.namespace, name: started.dataset_id },
  };
  const parentId = started.payload.parent_run_id;
  if (parentId === undefined) return { parent: facet(RUN_FACETS.parent, ownRun) };
  const parentStart = history(started.dataset_id, parentId, started.seq).findLast((e): e is Started =>
    isType(e, 'run.started'),
  );
  const root = {
    run: { runId: runUuid(parentId) },
    job: { namespace: options.namespace, name: started.dataset_id },
  };
  if (parentStart === undefined) return { parent: facet(RUN_FACETS.parent, root) };
  return {
    parent: facet(RUN_FACETS.parent, {
      run: { runId: stageRunUuid(parentId, parentStart.payload.stage, parentStart.seq) },
      job: { namespace: options.namespace, name: `${started.dataset_id}.${parentStart.payload.stage}` },
      root,
    }),
  };
}

function nominalTime(started: Started): Record<string, Facet> {
  const window = started.payload.window;
  if (window?.since === undefined) return {};
  return {
    nominalTime: facet(RUN_FACETS.nominalTime, {
      nominalStartTime: window.since,
      ...(window.until === undefined ? {} : { nominalEndTime: window.until }),
    }),
  };
}
