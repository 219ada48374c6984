import type { KnownEventType } from '../events/index.js';
import { nobleSha256Hex, utf8 } from '../ledger/pure/event-hash.js';
import type { LedgerEvent, LedgerEventOf } from '../projections/ledger-event.js';
import { renderReceipt } from '../projections/render-receipt.js';
import { projectValidationReport } from '../projections/validation-report.js';
import {
  associate,
  fileId,
  outputsBefore,
  type ProvContext,
  transformActivityId,
  transformsByOutput,
  versionEntity,
  withActivity,
} from './prov-context.js';
import { ProvBuilder, type ProvDocument, qname, qualified, stableJson } from './prov-document.js';

/**
 * PROV-JSON of one run (`data/catalog/prov/<id>/run_<run_id>.json`), after PROV-DM (W3C Rec
 * 2013): the files of every zone are entities (ids are their paths under data/, so documents of
 * several runs merge into one graph), each stage (run.started … run.completed) is an activity,
 * every transform.applied is an activity of its own (so redaction and generalization show), and
 * the connector, the tool and the operator are agents. Pure and deterministic: ids come from seqs
 * and paths, times from events.
 */
export const KFM_NAMESPACE = 'urn:kfm:';

export interface ProvOptions {
  /** Who ran kfm (a prov:Person). Events do not record it, so pass the same value on replay. */
  operator?: string;
  /**
   * Ignore events after this seq. Default: the run's last version.published or version.reused, the
   * state promote renders from; the events that follow it (catalog.emitted, the promote stage's
   * run.completed) are written after the document, so including them would make replay drift.
   */
  through_seq?: number;
}

/** The events the document describes: the run's, in seq order, up to `through_seq`, without catalog.emitted. */
export function provEvents(runEvents: readonly LedgerEvent[], throughSeq?: number): LedgerEvent[] {
  const sorted = [...runEvents].sort((a, b) => a.seq - b.seq);
  const anchor = sorted.filter((e) => e.type === 'version.published' || e.type === 'version.reused').at(-1);
  const last = throughSeq ?? anchor?.seq ?? Number.POSITIVE_INFINITY;
  // A catalog describing the emission of catalogs would be circular (and rendered before it happened).
  return sorted.filter((e) => e.seq <= last && e.type !== 'catalog.emitted');
}

export function renderProv(runEvents: readonly LedgerEvent[], options: ProvOptions = {}): ProvDocument {
  const events = provEvents(runEvents, options.through_seq);
  const b = new ProvBuilder({ kfm: KFM_NAMESPACE });
  const name = options.operator ?? 'operator';
  const operator = b.add('agent', qname('kfm', 'operator', name), {
    'prov:type': qualified('prov:Person'),
    'prov:label': name,
  });
  const ctx: ProvContext = {
    b,
    dataset_id: events[0]?.dataset_id ?? '',
    operator,
    events,
    transformOf: transformsByOutput(events),
    workPaths: new Set(events.flatMap((e) => (e.type === 'work.artifact.written' ? [pathOf(e)] : []))),
    stage: undefined,
    previousStage: undefined,
  };
  for (const event of events) {
    const handler = HANDLERS[event.type as KnownEventType] as Handler<KnownEventType> | undefined;
    handler?.(ctx, event as LedgerEventOf<KnownEventType>);
  }
  return b.build();
}

function pathOf(event: LedgerEvent): string {
  return (event.payload as { path: string }).path;
}

type Handler<T extends KnownEventType> = (ctx: ProvContext, event: LedgerEventOf<T>) => void;

/** One handler per event type that says something about lineage; other types add nothing. */
const HANDLERS: { [T in KnownEventType]?: Handler<T> } = {
  'run.started': (ctx, event) => {
    const { stage } = event.payload;
    const id = qname('kfm', 'run', event.run_id, stage, String(event.seq));
    ctx.stage = { id, startedSeq: event.seq, startedAt: event.recorded_at };
    ctx.b.add('activity', id, {
      'prov:type': qualified('kfm:Stage'),
      'prov:label': `${stage} stage of run ${event.run_id}`,
      'prov:startTime': event.recorded_at,
      'kfm:stage': stage,
      'kfm:spec_hash': event.payload.spec_hash,
      'kfm:dry_run': event.payload.dry_run,
      'kfm:started_seq': event.seq,
    });
    associate(ctx, id, event.actor);
    // Each stage takes what the one before it left (captures, outputs, a validation report).
    if (ctx.previousStage !== undefined)
      ctx.b.relate('wasInformedBy', { 'prov:informed': id, 'prov:informant': ctx.previousStage });
    ctx.previousStage = id;
    if (stage === 'promote') useValidationReport(ctx, id, event.seq);
    // validate and promote read the run's outputs as they stood when the stage began.
    if (stage !== 'validate' && stage !== 'promote') return;
    for (const output of outputsBefore(ctx, event.seq)) {
      ctx.b.relate('used', { 'prov:activity': id, 'prov:entity': fileId(ctx, output.path, output.zone) });
    }
  },
  'run.completed': (ctx, event) => {
    if (ctx.stage === undefined) return;
    ctx.b.add('activity', ctx.stage.id, {
      'prov:endTime': event.recorded_at,
      'kfm:status': event.payload.status,
      'kfm:completed_seq': event.seq,
      ...(event.payload.error === undefined ? {} : { 'kfm:error': event.payload.error.code }),
    });
    ctx.stage = undefined;
  },
  'raw.captured': (ctx, event) => {
    const p = event.payload;
    const id = ctx.b.add('entity', fileId(ctx, p.path, 'raw'), {
      'prov:type': qualified('kfm:RawFile'),
      'prov:label': p.path,
      'kfm:sha256': p.sha256,
      'kfm:bytes': p.bytes,
      'kfm:source_uri': p.source_uri,
      ...(p.media_type === undefined ? {} : { 'kfm:media_type': p.media_type }),
    });
    // A capture seen before is a file an earlier run wrote: this stage used it, not generated it.
    const relation = p.seen_before === true ? 'used' : 'wasGeneratedBy';
    ctx.b.relate(
      relation,
      withActivity({ 'prov:entity': id, 'prov:time': event.recorded_at }, ctx.stage?.id),
    );
    const source = ctx.b.add('entity', qname('kfm', 'source', p.source_uri), {
      'prov:type': qualified('kfm:UpstreamSource'),
      'prov:label': p.source_uri,
    });
    ctx.b.relate('used', withActivity({ 'prov:entity': source }, ctx.stage?.id));
    ctx.b.relate(
      'wasDerivedFrom',
      withActivity({ 'prov:generatedEntity': id, 'prov:usedEntity': source }, ctx.stage?.id),
    );
  },
  'work.artifact.written': (ctx, event) => {
    const p = event.payload;
    const id = ctx.b.add('entity', fileId(ctx, p.path, 'work'), {
      'prov:type': qualified('kfm:WorkArtifact'),
      'prov:label': p.path,
      'kfm:sha256': p.sha256,
      'kfm:bytes': p.bytes,
    });
    const activity = ctx.transformOf.get(event.seq) ?? ctx.stage?.id;
    ctx.b.relate(
      'wasGeneratedBy',
      withActivity({ 'prov:entity': id, 'prov:time': event.recorded_at }, activity),
    );
    for (const source of p.derived_from) {
      const used = fileId(ctx, source);
      // A source from an earlier run is still declared, so the derivation never dangles.
      if (!ctx.b.has('entity', used)) ctx.b.add('entity', used, { 'prov:label': source });
      ctx.b.relate('used', withActivity({ 'prov:entity': used }, activity));
      ctx.b.relate(
        'wasDerivedFrom',
        withActivity({ 'prov:generatedEntity': id, 'prov:usedEntity': used }, activity),
      );
    }
  },
  'transform.applied': (ctx, event) => {
    const p = event.payload;
    const id = transformActivityId(event.run_id, p.name, event.seq);
    ctx.b.add('activity', id, {
      'prov:type': qualified('kfm:Transform'),
      'prov:label': p.name,
      // The transform ran inside its stage and was recorded when it finished.
      ...(ctx.stage === undefined ? {} : { 'prov:startTime': ctx.stage.startedAt }),
      'prov:endTime': event.recorded_at,
      'kfm:transform': p.name,
      'kfm:params': stableJson(p.params),
      'kfm:summary': stableJson(p.summary),
      'kfm:seq': event.seq,
    });
    associate(ctx, id, event.actor);
    // The stage ran the transform (PROV-DM §5.1.6 start: the starter activity).
    if (ctx.stage !== undefined)
      ctx.b.relate('wasStartedBy', { 'prov:activity': id, 'prov:starter': ctx.stage.id });
    for (const input of p.inputs)
      ctx.b.relate('used', { 'prov:activity': id, 'prov:entity': fileId(ctx, input) });
  },
  'validation.reported': (ctx, event) => {
    const failed = event.payload.checks.filter((c) => !c.passed).map((c) => c.name);
    // The bytes validation_report.json held after this event (run_manifest.json's report_sha256).
    const receipt = projectValidationReport(ctx.events.filter((e) => e.seq <= event.seq));
    const id = ctx.b.add(
      'entity',
      qname('kfm', 'validation', ctx.dataset_id, event.run_id, String(event.seq)),
      {
        'prov:type': qualified('kfm:ValidationReport'),
        'prov:label': `validation report of run ${event.run_id} (${event.payload.passed ? 'passed' : 'failed'})`,
        'kfm:passed': event.payload.passed,
        'kfm:sha256': nobleSha256Hex(utf8(renderReceipt(receipt))),
        ...(failed.length === 0 ? {} : { 'kfm:failed_checks': failed }),
      },
    );
    ctx.b.relate(
      'wasGeneratedBy',
      withActivity({ 'prov:entity': id, 'prov:time': event.recorded_at }, ctx.stage?.id),
    );
  },
  'promotion.denied': (ctx, event) => {
    if (ctx.stage === undefined) return;
    ctx.b.add('activity', ctx.stage.id, { 'kfm:denied': event.payload.reasons.map((r) => r.code) });
  },
  'version.published': publishVersion,
  'version.reused': (ctx, event) => {
    const version = versionEntity(ctx, event.payload.version_id, event.payload.content_hash);
    const role = qualified('kfm:reused');
    ctx.b.relate('used', withActivity({ 'prov:entity': version, 'prov:role': role }, ctx.stage?.id));
    endPromotion(ctx, event);
  },
};

/**
 * The document is rendered at publication, before the promote stage's run.completed exists (see
 * `provEvents`), so promote ends, as far as it can know, when the version was published or reused;
 * what follows is writing the catalogs themselves. A run.completed that is read later still wins.
 */
function endPromotion(ctx: ProvContext, event: LedgerEvent): void {
  if (ctx.stage === undefined) return;
  ctx.b.add('activity', ctx.stage.id, { 'prov:endTime': event.recorded_at });
}

/**
 * The gate read the run's latest validation report: promote used it (the seed's Promotion Contract
 * requires a passed one), so the report that let a version through is in its provenance.
 */
function useValidationReport(ctx: ProvContext, promote: string, startedSeq: number): void {
  const report = ctx.events.filter((e) => e.type === 'validation.reported' && e.seq < startedSeq).at(-1);
  if (report === undefined) return;
  const entity = qname('kfm', 'validation', ctx.dataset_id, report.run_id, String(report.seq));
  ctx.b.relate('used', {
    'prov:activity': promote,
    'prov:entity': entity,
    'prov:role': qualified('kfm:validation_report'),
  });
}

/**
 * The version and its processed artifacts, each derived from the run output promote copied (same
 * file name: promote names each artifact after its output's file name).
 */
function publishVersion(ctx: ProvContext, event: LedgerEventOf<'version.published'>): void {
  const p = event.payload;
  const stage = ctx.stage?.id;
  const at = event.recorded_at;
  const version = versionEntity(ctx, p.version_id, p.content_hash);
  ctx.b.relate('wasGeneratedBy', withActivity({ 'prov:entity': version, 'prov:time': at }, stage));
  endPromotion(ctx, event);
  if (p.supersedes !== null) reviseVersion(ctx, version, p.supersedes);
  const outputs = outputsBefore(ctx, ctx.stage?.startedSeq ?? event.seq);
  for (const artifact of p.artifacts) {
    const id = ctx.b.add('entity', qname('kfm', 'processed', ctx.dataset_id, p.version_id, artifact.path), {
      'prov:type': qualified('kfm:ProcessedArtifact'),
      'prov:label': artifact.path,
      'kfm:sha256': artifact.sha256,
      'kfm:bytes': artifact.bytes,
      'kfm:version_id': p.version_id,
    });
    ctx.b.relate('wasGeneratedBy', withActivity({ 'prov:entity': id, 'prov:time': at }, stage));
    ctx.b.relate('hadMember', { 'prov:collection': version, 'prov:entity': id });
    const source = outputs.find((o) => o.path.split('/').pop() === artifact.path);
    if (source === undefined) continue;
    const used = fileId(ctx, source.path, source.zone);
    ctx.b.relate(
      'wasDerivedFrom',
      withActivity({ 'prov:generatedEntity': id, 'prov:usedEntity': used }, stage),
    );
  }
}

/**
 * PROV-DM wasRevisionOf (§5.2.2), which PROV-JSON writes as a wasDerivedFrom typed prov:Revision:
 * the new version revises the one it supersedes. That one was published by an earlier run, so it
 * is declared here too (by id and label), and the relation never dangles.
 */
function reviseVersion(ctx: ProvContext, version: string, supersedes: string): void {
  const previous = qname('kfm', 'version', ctx.dataset_id, supersedes);
  if (!ctx.b.has('entity', previous)) {
    ctx.b.add('entity', previous, {
      'prov:type': [qualified('prov:Collection'), qualified('kfm:DatasetVersion')],
      'prov:label': supersedes,
    });
  }
  ctx.b.relate('wasDerivedFrom', {
    'prov:generatedEntity': version,
    'prov:usedEntity': previous,
    'prov:type': qualified('prov:Revision'),
  });
}
