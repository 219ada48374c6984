import { projectRunOutputs } from '../../projections/run-outputs.js';
import type { Zone } from '../../zones/zone-layout.js';
import type { Stage } from '../stage-request.js';
import type { StageResult, StageScope } from '../stage-scope.js';
import { backfill, planBackfill } from './backfill.js';
import { discoverSources, ingest } from './ingest.js';
import { promote } from './promote.js';
import { transform, transformInputs } from './transform.js';
import { validate } from './validate.js';

/** The seed's "Zone write scope" per contract step. */
export const STAGE_ZONES: Record<Stage, Zone[]> = {
  ingest: ['raw', 'work'],
  transform: ['work'],
  validate: ['work'],
  promote: ['processed', 'catalog'],
  // A backfill is acquire + validate per window, run as child runs: raw + work, like ingest.
  backfill: ['raw', 'work'],
};

export async function runStageBody(scope: StageScope): Promise<StageResult> {
  switch (scope.request.stage) {
    case 'ingest':
      return { status: 'succeeded', summary: { ...(await ingest(scope)) } };
    case 'transform':
      return { status: 'succeeded', summary: { ...(await transform(scope)) } };
    case 'validate': {
      const summary = await validate(scope);
      if (summary.passed) return { status: 'succeeded', summary: { ...summary } };
      const message = `validation failed: ${summary.failed.join(', ')} (see validation_report.json)`;
      return { status: 'failed', error: { code: 'VALIDATION_FAILED', message }, summary: { ...summary } };
    }
    case 'promote':
      return promote(scope);
    case 'backfill':
      return backfill(scope);
  }
}

/** What a stage would do, for --dry-run: read-only (discovery may ask the upstream, never writes). */
export async function planStage(scope: StageScope): Promise<Record<string, unknown>> {
  const ds = scope.request.dataset_id;
  switch (scope.request.stage) {
    case 'ingest': {
      const sources = await discoverSources(scope);
      const discovered = await Promise.all(sources.map((s) => scope.upstream.discover(s.uri)));
      return {
        would_capture: sources.map((s, i) => ({
          source_uri: s.uri,
          to: `data/raw/${ds}/${scope.run_id}/${s.name}`,
          capabilities: { ...discovered[i] },
        })),
        would_write: [
          `data/raw/${ds}/manifest.yml`,
          `data/raw/${ds}/checksums.sha256`,
          `data/work/${ds}/runs/${scope.run_id}/run_record.json`,
        ],
      };
    }
    case 'transform':
      return {
        transform: scope.connector.transform === undefined ? null : 'connector transform',
        inputs: (await transformInputs(scope)).map((i) => ({ path: i.path, sha256: i.sha256 })),
      };
    case 'validate':
      return {
        outputs: projectRunOutputs(await scope.runEvents()),
        would_write: [`data/work/${ds}/runs/${scope.run_id}/validation_report.json`],
      };
    case 'promote':
      return {
        outputs: projectRunOutputs(await scope.runEvents()),
        gate: 'every Promotion Contract rule is evaluated when promoting for real',
        would_write: [
          `data/processed/${ds}/<version_id>/`,
          `data/catalog/…/${ds}…`,
          `data/work/${ds}/runs/${scope.run_id}/run_manifest.json`,
        ],
      };
    case 'backfill':
      return planBackfill(scope);
  }
}
