import type { PayloadOf } from '../events/index.js';
import { isType, type LedgerEvent, type LedgerEventOf } from './ledger-event.js';
import {
  DATASET_FACETS,
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

export interface OpenLineageDataset {
  namespace: string;
  name: string;
  facets?: Record<string, Facet>;
  inputFacets?: Record<string, Facet>;
}

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
  const files = stage === 'ingest' ? { inputs: [], outputs: [] } : stageFiles(stage, before, options);
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
      : stageDatasets(stage, files.inputs, during, options)),
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

interface StageFiles {
  inputs: OpenLineageDataset[];
  outputs: OpenLineageDataset[];
}

/**
 * The raw and work files earlier stages of the run recorded: what a later stage reads. Promote
 * publishes exactly what the run's last validation read, when that validation names its outputs.
 */
function stageFiles(stage: string, before: readonly LedgerEvent[], options: OpenLineageOptions): StageFiles {
  const inputs: OpenLineageDataset[] = [];
  for (const event of before) {
    const file = fileDataset(event, options);
    if (file !== null) addDataset(inputs, file);
  }
  const validation = before.findLast((e) => isType(e, 'validation.reported'));
  const validated =
    validation !== undefined && isType(validation, 'validation.reported')
      ? validation.payload.outputs
      : undefined;
  if (stage !== 'promote' || validated === undefined) return { inputs, outputs: [] };
  const shas = new Set(validated.map((o) => o.sha256));
  return { inputs: inputs.filter((d) => shas.has(String(d.facets?.version?.datasetVersion))), outputs: [] };
}

function fileDataset(event: LedgerEvent, options: OpenLineageOptions): OpenLineageDataset | null {
  if (isType(event, 'raw.captured'))
    return zoneFile(
      options,
      `data/raw/${event.dataset_id}/${event.payload.path}`,
      event.payload.sha256,
      event.payload.media_type,
    );
  if (isType(event, 'work.artifact.written'))
    return zoneFile(options, `data/work/${event.dataset_id}/${event.payload.path}`, event.payload.sha256);
  return null;
}

function zoneFile(
  options: OpenLineageOptions,
  name: string,
  sha256: string,
  mediaType?: string,
): OpenLineageDataset {
  return {
    namespace: options.namespace,
    name,
    facets: {
      version: facet(DATASET_FACETS.version, { datasetVersion: sha256 }),
      storage: facet(DATASET_FACETS.storage, {
        storageLayer: 'file',
        fileFormat: mediaType ?? fileFormat(name),
      }),
    },
  };
}

/** A file's format from its extension ("csv", "geojson"), the form StorageDatasetFacet's examples use. */
function fileFormat(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot < 0 || dot < name.lastIndexOf('/') ? 'unknown' : name.slice(dot + 1).toLowerCase();
}

function addDataset(list: OpenLineageDataset[], dataset: OpenLineageDataset): void {
  const at = list.findIndex((d) => d.namespace === dataset.namespace && d.name === dataset.name);
  if (at < 0) list.push(dataset);
  else list[at] = dataset;
}

/** What a finished stage read and wrote, from the events it recorded. */
function stageDatasets(
  stage: string,
  earlier: OpenLineageDataset[],
  during: readonly LedgerEvent[],
  options: OpenLineageOptions,
): StageFiles {
  const inputs = [...earlier];
  const outputs: OpenLineageDataset[] = [];
  for (const event of during) {
    if (isType(event, 'source.discovered') || isType(event, 'raw.captured'))
      addDataset(inputs, sourceDataset(event.payload.source_uri));
    const file = fileDataset(event, options);
    if (file !== null) addDataset(outputs, file);
    if (isType(event, 'validation.reported')) assertOn(inputs, event, options);
    if (isType(event, 'version.published') || isType(event, 'version.reused'))
      addDataset(outputs, versionDataset(event, options));
    if (isType(event, 'catalog.emitted'))
      addDataset(outputs, {
        namespace: options.namespace,
        name: `data/catalog/${event.payload.path}`,
        facets: {
          version: facet(DATASET_FACETS.version, { datasetVersion: event.payload.sha256 }),
          storage: facet(DATASET_FACETS.storage, { storageLayer: 'file', fileFormat: 'json' }),
        },
      });
  }
  // A stage's inputs are what it read; files it wrote itself are outputs only.
  const written = new Set(outputs.map((d) => `${d.namespace}\n${d.name}`));
  return {
    inputs: stage === 'backfill' ? [] : inputs.filter((d) => !written.has(`${d.namespace}\n${d.name}`)),
    outputs,
  };
}

/**
 * OpenLineage's naming of an upstream (openlineage.io/docs/spec/naming): the namespace is the
 * scheme and authority, the name the path (and query); a local file is namespace `file`.
 */
export function sourceDataset(uri: string): OpenLineageDataset {
  let namespace = uri;
  let name = uri;
  try {
    const url = new URL(uri);
    namespace = url.protocol === 'file:' && url.host === '' ? 'file' : `${url.protocol}//${url.host}`;
    name = `${url.pathname}${url.search}`;
  } catch {
    // A source the URL parser refuses keeps its whole text as both parts: still one stable identity.
  }
  return {
    namespace,
    name,
    facets: { dataSource: facet(DATASET_FACETS.dataSource, { name: namespace, uri }) },
  };
}

/** Checks land on the files they validated (by sha256; all inputs when the event names none). */
function assertOn(
  inputs: OpenLineageDataset[],
  event: LedgerEventOf<'validation.reported'>,
  options: OpenLineageOptions,
): void {
  const assertions = facet(DATASET_FACETS.dataQualityAssertions, {
    assertions: event.payload.checks.map((c) => ({ assertion: c.name, success: c.passed })),
  });
  const validated = new Set(event.payload.outputs?.map((o) => o.sha256));
  for (const input of inputs) {
    if (input.namespace !== options.namespace) continue;
    const sha = input.facets?.version?.datasetVersion;
    if (event.payload.outputs === undefined || validated.has(String(sha)))
      input.inputFacets = { dataQualityAssertions: assertions };
  }
}

function versionDataset(
  event: LedgerEventOf<'version.published'> | LedgerEventOf<'version.reused'>,
  options: OpenLineageOptions,
): OpenLineageDataset {
  const facets: Record<string, Facet> = {
    version: facet(DATASET_FACETS.version, { datasetVersion: event.payload.version_id }),
  };
  // A reused version changes nothing; a new one is the dataset's current content from now on
  // (OVERWRITE of the one it supersedes, whose folder stays as it was).
  if (isType(event, 'version.published')) {
    facets.storage = facet(DATASET_FACETS.storage, {
      storageLayer: 'file',
      fileFormat: versionFormat(event.payload),
    });
    facets.lifecycleStateChange = facet(DATASET_FACETS.lifecycleStateChange, {
      lifecycleStateChange: event.payload.supersedes === null ? 'CREATE' : 'OVERWRITE',
    });
  }
  return { namespace: options.namespace, name: event.dataset_id, facets };
}

/** The artifacts' format, or their formats joined with "+" when a version mixes several. */
function versionFormat(payload: PayloadOf<'version.published'>): string {
  return [...new Set(payload.artifacts.map((a) => fileFormat(a.path)))].sort().join('+') || 'unknown';
}
