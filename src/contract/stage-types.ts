/**
 * The vocabulary of a stage request, with no behaviour: what the stage table (stages/index.ts), the
 * stage scope and the request builder (stage-request.ts) all speak.
 */
/** The contract steps this version runs; backfill runs ingest + validate per window as child runs. */
export type Stage = 'ingest' | 'transform' | 'validate' | 'promote' | 'backfill';

/** Each stage's line in `kfm --help` and `kfm <stage> --help`: here, so help loads no stage code. */
export const STAGE_SUMMARIES: { readonly [S in Stage]: string } = {
  ingest:
    'discover + acquire: capture the upstream into data/raw/<id>/<run_id>/, write the raw manifest and checksums; an incremental ingest with nothing new says "up to date" and exits 0',
  transform:
    "work → work: run the connector's deterministic transform (generalization, normalisation) for a run",
  validate:
    "gate a run's outputs: schema, geometry/CRS, time window, license, sensitivity, policy labels, checksums (exit 3 on failure)",
  promote:
    'Promotion Contract: evaluate every gate rule; publish an immutable version into data/processed/<id>/<version_id>/ with DCAT/STAC/PROV catalogs, or record the denial (exit 3)',
  backfill:
    'explicit historical windows: cut --since..--until into --batch windows, each acquired and validated as a child run; rerun the same command to resume (completed windows are never captured again)',
};

/** The seed's baseline flags ("Common CLI contract"), as commander hands them to us. */
export interface SeedFlags {
  dataset_id?: string;
  run_id?: string;
  spec?: string;
  since?: string;
  until?: string;
  config?: string;
  raw_dir?: string;
  work_dir?: string;
  processed_dir?: string;
  emit_catalogs?: boolean;
  dryRun?: boolean;
  log_json?: boolean;
  /** Not a seed flag: backfill's window length, an ISO-8601 duration (P1D, PT6H …). */
  batch?: string;
  /** Not a seed flag: the public URL of the governed API, for the catalogs promote publishes. */
  baseUrl?: string;
  /** Not a seed flag: seconds to wait for another stage of the dataset to release its lock. */
  wait?: string;
}

export const SEED_FLAGS = [
  'dataset_id',
  'run_id',
  'spec',
  'since',
  'until',
  'config',
  'raw_dir',
  'work_dir',
  'processed_dir',
  'emit_catalogs',
  'dryRun',
  'log_json',
  'batch',
  'baseUrl',
  'wait',
] as const satisfies readonly (keyof SeedFlags)[];

/** Commander's camelCase keys back to the flag as typed: dryRun is --dry-run, baseUrl --base-url. */
export function flagName(flag: keyof SeedFlags): string {
  return `--${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

export interface StageRequest {
  stage: Stage;
  dataset_id: string;
  run_id?: string;
  flags: SeedFlags;
  window: { since?: string; until?: string };
  /** A backfill's child run names its parent in run.started. */
  parent_run_id?: string;
  /** --wait: how long to wait for the dataset's lock (a child run holds its parent's). */
  wait_seconds?: number;
}
