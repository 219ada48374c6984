import { projectRunOutputs } from '../../projections/run-outputs.js';
import type { Zone } from '../../zones/zone-layout.js';
import {
  DATA_CATALOG_PATH,
  dcatDatasetPath,
  provPath,
  stacCollectionPath,
} from '../promotion/catalog-files.js';
import { stagingPath } from '../promotion/publish-version.js';
import type { StageResult, StageScope } from '../stage-scope.js';
import type { SeedFlags, Stage } from '../stage-types.js';
import { backfill, planBackfill } from './backfill.js';
import { discoverSources, ingest } from './ingest.js';
import { promote } from './promote.js';
import { transform, transformInputs } from './transform.js';
import { validate } from './validate.js';
import type { RunPlace, WriteTarget } from './write-targets.js';

/** Everything about one contract step, in one place: what the CLI, the runtime and the guards use. */
export interface StageDefinition {
  /** The seed flags it accepts; any other is refused by name (exit 2), never silently ignored. */
  flags: readonly (keyof SeedFlags)[];
  /** The seed's "Zone write scope": the zones its writer may write. */
  zones: readonly Zone[];
  /**
   * Where its body writes for a run, checked with the zone guard before run.started (write-targets.ts):
   * names decided mid-run (a capture, an artifact, a version id) are covered by their folder.
   */
  writeTargets(place: RunPlace): WriteTarget[];
  run(scope: StageScope): Promise<StageResult>;
  /** What it would do, for --dry-run: read-only (discovery may ask the upstream, never writes). */
  plan(scope: StageScope): Promise<Record<string, unknown>>;
}

const INGEST_FLAGS: readonly (keyof SeedFlags)[] = [
  'dataset_id',
  'run_id',
  'spec',
  'since',
  'until',
  'config',
  'raw_dir',
  'work_dir',
  'dryRun',
  'log_json',
  'wait',
];
const RUN_FLAGS: readonly (keyof SeedFlags)[] = [
  'dataset_id',
  'run_id',
  'spec',
  'raw_dir',
  'work_dir',
  'dryRun',
  'log_json',
  'wait',
];
/** A run's raw captures: data/raw/<id>/<run_id>/, beside the raw manifest (ingest.ts, receipts.ts). */
const captures = ({ dataset_id, run_id }: RunPlace): WriteTarget[] => [
  { zone: 'raw', path: `${dataset_id}/${run_id}` },
];

export const STAGES: { readonly [S in Stage]: StageDefinition } = {
  ingest: {
    flags: INGEST_FLAGS,
    zones: ['raw', 'work'],
    writeTargets: captures,
    run: async (scope) => ({ status: 'succeeded', summary: { ...(await ingest(scope)) } }),
    plan: async (scope) => {
      const ds = scope.request.dataset_id;
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
    },
  },
  transform: {
    flags: RUN_FLAGS,
    zones: ['work'],
    writeTargets: ({ dataset_id, run_id }) => [
      { zone: 'work', path: `${dataset_id}/runs/${run_id}/artifacts` },
    ],
    run: async (scope) => ({ status: 'succeeded', summary: { ...(await transform(scope)) } }),
    plan: async (scope) => ({
      transform: scope.connector.transform === undefined ? null : 'connector transform',
      inputs: (await transformInputs(scope)).map((i) => ({ path: i.path, sha256: i.sha256 })),
    }),
  },
  validate: {
    flags: RUN_FLAGS,
    zones: ['work'],
    writeTargets: () => [],
    run: async (scope) => {
      const summary = await validate(scope);
      if (summary.passed) return { status: 'succeeded', summary: { ...summary } };
      const message = `validation failed: ${summary.failed.join(', ')} (see validation_report.json)`;
      return { status: 'failed', error: { code: 'VALIDATION_FAILED', message }, summary: { ...summary } };
    },
    plan: async (scope) => ({
      outputs: projectRunOutputs(await scope.runEvents()),
      would_write: [`data/work/${scope.request.dataset_id}/runs/${scope.run_id}/validation_report.json`],
    }),
  },
  promote: {
    flags: [...RUN_FLAGS, 'processed_dir', 'emit_catalogs', 'baseUrl'],
    zones: ['processed', 'catalog'],
    // The staging folder renamed into the version, and the catalogs (publish-version.ts, promote.ts).
    writeTargets: ({ dataset_id: ds, run_id, spatial }) => [
      { zone: 'processed', path: stagingPath(ds, run_id) },
      { zone: 'catalog', path: DATA_CATALOG_PATH },
      { zone: 'catalog', path: dcatDatasetPath(ds) },
      { zone: 'catalog', path: provPath(ds, run_id) },
      ...(spatial ? [{ zone: 'catalog' as const, path: stacCollectionPath(ds) }] : []),
    ],
    run: promote,
    plan: async (scope) => {
      const ds = scope.request.dataset_id;
      return {
        outputs: projectRunOutputs(await scope.runEvents()),
        gate: 'every Promotion Contract rule is evaluated when promoting for real',
        would_write: [
          `data/processed/${ds}/<version_id>/`,
          `data/catalog/…/${ds}…`,
          `data/work/${ds}/runs/${scope.run_id}/run_manifest.json`,
        ],
      };
    },
  },
  backfill: {
    // Windowed ingests: the ingest flags, and the window length.
    flags: [...INGEST_FLAGS, 'batch'],
    // Acquire + validate per window, run as child runs: raw + work, like ingest.
    zones: ['raw', 'work'],
    // Each window is a child ingest, checked when it starts; the raw zone is checked here too so a
    // bad zone stops the backfill before its own run.started.
    writeTargets: captures,
    run: backfill,
    plan: planBackfill,
  },
};

/** The stages in the order `kfm --help` lists them. */
export const STAGE_NAMES = Object.keys(STAGES) as Stage[];
