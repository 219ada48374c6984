import type { PayloadOf } from '../events/index.js';
import { isType, type LedgerEvent } from './ledger-event.js';
import { evolveRunRow, PROJECTED_TYPES, type RunRow } from './projection-rows.js';

/**
 * The lineage of a dataset as a ledger prefix tells it: upstream source → raw captures → runs
 * (stages, spec hashes, status, times) → validation → transforms → version → catalogs. Built from
 * the dataset's events up to one seq only, so no later event can change an answer; the run facts
 * fold through evolveRunRow, the same reducer that fills proj_runs. Pure.
 */

export interface InputCapture {
  seq: number;
  hash: string;
  capture_id: string;
  path: string;
  sha256: string;
  bytes: number;
  source_uri: string;
  captured_at: string;
  /** Content seen before: the file stored by `first_seen`'s capture is the one this run used. */
  seen_before: boolean;
  first_seen: { run_id: string; seq: number } | null;
}

export interface InputVersion {
  version_id: string;
  /** supersedes: the version this run's replaced; reused: identical outputs; derived_from: read by a transform. */
  relation: 'supersedes' | 'reused' | 'derived_from';
}

export interface LineageRun extends RunRow {
  inputs: { captures: InputCapture[]; versions: InputVersion[] };
  sources: string[];
  transforms: (PayloadOf<'transform.applied'> & { seq: number; kind: TransformKind })[];
  artifacts: (PayloadOf<'work.artifact.written'> & { seq: number })[];
  validation_report: {
    seq: number;
    hash: string;
    passed: boolean;
    checks: number;
    failed_checks: string[];
  } | null;
  promotion: {
    seq: number;
    hash: string;
    outcome: 'published' | 'reused' | 'denied';
    version_id: string | null;
    reasons: PayloadOf<'promotion.denied'>['reasons'];
  } | null;
  catalogs: (PayloadOf<'catalog.emitted'> & { seq: number })[];
}

export type TransformKind = 'generalization' | 'redaction' | 'aggregation' | 'transform';

export interface LineageVersion {
  version_id: string;
  content_hash: string;
  run_id: string;
  seq: number;
  hash: string;
  published_at: string;
  supersedes: string | null;
  artifacts: PayloadOf<'version.published'>['artifacts'];
  catalogs: (PayloadOf<'catalog.emitted'> & { seq: number })[];
  reused_by: { run_id: string; seq: number }[];
}

export interface Lineage {
  dataset_id: string;
  /** null: every version (and every run, promoted or not). */
  version_id: string | null;
  as_of: { seq: number; requested: string | null };
  upstream: { source_uri: string; first_seq: number }[];
  versions: LineageVersion[];
  runs: LineageRun[];
}

export function transformKind(name: string): TransformKind {
  if (/^generali[sz]/.test(name)) return 'generalization';
  if (/^redact/.test(name)) return 'redaction';
  if (/^aggregat/.test(name)) return 'aggregation';
  return 'transform';
}

const VERSION_IN_PATH = /(?:^|\/)(v[0-9a-f]{16})(?:\/|$)/;

export interface LineageOptions {
  as_of: Lineage['as_of'];
  /** Keep only the run that published this version (and the versions it names). */
  version_id?: string | null;
  /** Where content seen before was first stored, when that capture is not among `events`. */
  firstSeen?: (sha256: string) => { run_id: string; seq: number } | null;
}

/** `events`: the dataset's events (or one run's) with seq ≤ `as_of.seq`, in seq order. */
export function projectLineage(
  datasetId: string,
  events: readonly LedgerEvent[],
  options: LineageOptions,
): Lineage {
  const asOf = options.as_of;
  const versionId = options.version_id ?? null;
  const runs = new Map<string, LineageRun>();
  const firstSeen = new Map<string, { run_id: string; seq: number } | null>();
  const origin = (sha256: string) => {
    if (!firstSeen.has(sha256)) firstSeen.set(sha256, options.firstSeen?.(sha256) ?? null);
    return firstSeen.get(sha256) ?? null;
  };
  const upstream = new Map<string, number>();
  const versions = new Map<string, LineageVersion>();
  for (const event of events) {
    if (event.dataset_id !== datasetId || event.seq > asOf.seq) continue;
    const known = runs.get(event.run_id);
    // A run begins, as its proj_runs row does, with its first projected event (run.started).
    if (known !== undefined || PROJECTED_TYPES.has(event.type))
      runs.set(event.run_id, evolveLineageRun(known, event, origin, firstSeen));
    if (isType(event, 'source.discovered') && !upstream.has(event.payload.source_uri))
      upstream.set(event.payload.source_uri, event.seq);
    if (isType(event, 'raw.captured') && !upstream.has(event.payload.source_uri))
      upstream.set(event.payload.source_uri, event.seq);
    if (isType(event, 'version.published') && !versions.has(event.payload.version_id))
      versions.set(event.payload.version_id, versionOf(event));
    if (isType(event, 'version.reused'))
      versions.get(event.payload.version_id)?.reused_by.push({ run_id: event.run_id, seq: event.seq });
    if (isType(event, 'catalog.emitted')) {
      const published = [...versions.values()].filter((v) => v.run_id === event.run_id).at(-1);
      published?.catalogs.push({ ...event.payload, seq: event.seq });
    }
  }
  const lineage: Lineage = {
    dataset_id: datasetId,
    version_id: versionId,
    as_of: asOf,
    upstream: [...upstream].map(([source_uri, first_seq]) => ({ source_uri, first_seq })),
    versions: [...versions.values()],
    runs: [...runs.values()],
  };
  return versionId === null ? lineage : onlyVersion(lineage, versionId);
}

function onlyVersion(lineage: Lineage, versionId: string): Lineage {
  const version = lineage.versions.find((v) => v.version_id === versionId);
  const runs = lineage.runs.filter((r) => r.run_id === version?.run_id);
  const sources = new Set(runs.flatMap((r) => r.sources));
  return {
    ...lineage,
    upstream: lineage.upstream.filter((u) => sources.has(u.source_uri)),
    versions: version === undefined ? [] : [version],
    runs,
  };
}

function versionOf(event: LedgerEvent & { payload: PayloadOf<'version.published'> }): LineageVersion {
  const p = event.payload;
  return {
    version_id: p.version_id,
    content_hash: p.content_hash,
    run_id: event.run_id,
    seq: event.seq,
    hash: event.hash,
    published_at: event.recorded_at,
    supersedes: p.supersedes,
    artifacts: p.artifacts,
    catalogs: [],
    reused_by: [],
  };
}

function emptyLineageRun(row: RunRow): LineageRun {
  return {
    ...row,
    inputs: { captures: [], versions: [] },
    sources: [],
    transforms: [],
    artifacts: [],
    validation_report: null,
    promotion: null,
    catalogs: [],
  };
}

type Origin = { run_id: string; seq: number } | null;

/** One run's lineage after `event`; `origin` names the capture that first stored a sha256. */
function evolveLineageRun(
  state: LineageRun | undefined,
  event: LedgerEvent,
  origin: (sha256: string) => Origin,
  firstSeen: Map<string, Origin>,
): LineageRun {
  const run = state ?? emptyLineageRun(evolveRunRow(undefined, event));
  // The run's row fields fold exactly as proj_runs does: only projected types move them. The run is
  // this projection's own object, updated in place: a backfill's parent run folds thousands of events.
  if (state !== undefined && PROJECTED_TYPES.has(event.type)) Object.assign(run, evolveRunRow(run, event));
  const addVersion = (version_id: string, relation: InputVersion['relation']) => {
    if (!run.inputs.versions.some((v) => v.version_id === version_id && v.relation === relation))
      run.inputs.versions.push({ version_id, relation });
  };
  if (isType(event, 'source.discovered')) {
    if (!run.sources.includes(event.payload.source_uri)) run.sources.push(event.payload.source_uri);
  } else if (isType(event, 'raw.captured')) {
    const p = event.payload;
    const seen = p.seen_before === true ? origin(p.sha256) : null;
    if (p.seen_before !== true && firstSeen.get(p.sha256) == null)
      firstSeen.set(p.sha256, { run_id: event.run_id, seq: event.seq });
    if (!run.sources.includes(p.source_uri)) run.sources.push(p.source_uri);
    run.inputs.captures.push({
      seq: event.seq,
      hash: event.hash,
      capture_id: p.capture_id,
      path: p.path,
      sha256: p.sha256,
      bytes: p.bytes,
      source_uri: p.source_uri,
      captured_at: event.recorded_at,
      seen_before: p.seen_before === true,
      first_seen: seen,
    });
  } else if (isType(event, 'work.artifact.written')) {
    run.artifacts.push({ ...event.payload, seq: event.seq });
    for (const path of event.payload.derived_from) {
      const used = VERSION_IN_PATH.exec(path)?.[1];
      if (used !== undefined) addVersion(used, 'derived_from');
    }
  } else if (isType(event, 'transform.applied')) {
    run.transforms.push({ ...event.payload, seq: event.seq, kind: transformKind(event.payload.name) });
    for (const path of event.payload.inputs) {
      const used = VERSION_IN_PATH.exec(path)?.[1];
      if (used !== undefined) addVersion(used, 'derived_from');
    }
  } else if (isType(event, 'validation.reported')) {
    const failed = event.payload.checks.filter((c) => !c.passed).map((c) => c.name);
    run.validation_report = {
      seq: event.seq,
      hash: event.hash,
      passed: event.payload.passed,
      checks: event.payload.checks.length,
      failed_checks: failed,
    };
  } else if (isType(event, 'promotion.denied')) {
    run.promotion = {
      seq: event.seq,
      hash: event.hash,
      outcome: 'denied',
      version_id: null,
      reasons: event.payload.reasons,
    };
  } else if (isType(event, 'version.published') || isType(event, 'version.reused')) {
    const published = event.type === 'version.published';
    run.promotion = {
      seq: event.seq,
      hash: event.hash,
      outcome: published ? 'published' : 'reused',
      version_id: event.payload.version_id,
      reasons: [],
    };
    const supersedes = (event.payload as Partial<PayloadOf<'version.published'>>).supersedes;
    if (published && typeof supersedes === 'string') addVersion(supersedes, 'supersedes');
    if (!published) addVersion(event.payload.version_id, 'reused');
  } else if (isType(event, 'catalog.emitted')) {
    run.catalogs.push({ ...event.payload, seq: event.seq });
  }
  return run;
}
