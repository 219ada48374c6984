import { z } from 'zod';
import { KfmError } from '../errors.js';
import { DatasetId, RunId } from '../events/index.js';
import { countWindows, parseBatch } from '../projections/backfill-windows.js';
import { flagName, SEED_FLAGS, type SeedFlags, type Stage, type StageRequest } from './stage-types.js';
import { STAGE_NAMES, STAGES } from './stages/index.js';

/** The most windows one backfill may plan: a typo such as PT1S over ten years is refused, not run. */
export const MAX_BACKFILL_WINDOWS = 100_000;
/** Backfill's window length when --batch is not given. */
export const DEFAULT_BATCH = 'P1D';
/** How long a stage waits for the dataset's lock when --wait is not given. */
export const DEFAULT_WAIT_SECONDS = 30;

const Iso = z.iso.datetime({ offset: true }).or(z.iso.date());

/** Checks flags against the stage before anything is read or written. */
export function stageRequest(stage: Stage, positional: string | undefined, flags: SeedFlags): StageRequest {
  for (const flag of SEED_FLAGS) {
    if (flags[flag] !== undefined && !STAGES[stage].flags.includes(flag)) {
      const users = STAGE_NAMES.filter((s) => STAGES[s].flags.includes(flag));
      const where =
        users.length > 0 ? `it applies to: ${users.join(', ')}` : 'no stage of this version accepts it';
      throw new KfmError('USAGE', `${flagName(flag)} does not apply to ${stage} (${where})`);
    }
  }
  if (positional !== undefined && flags.dataset_id !== undefined && positional !== flags.dataset_id) {
    throw new KfmError(
      'USAGE',
      `dataset ${positional} and --dataset_id ${flags.dataset_id} disagree: give one`,
    );
  }
  const datasetId = positional ?? flags.dataset_id;
  if (datasetId === undefined)
    throw new KfmError('USAGE', `${stage} needs a dataset: kfm ${stage} <dataset_id>`);
  checkDatasetId(datasetId);
  if (flags.run_id !== undefined) check(RunId, flags.run_id, '--run_id');
  if (stage !== 'ingest' && stage !== 'backfill' && flags.run_id === undefined) {
    throw new KfmError('USAGE', `${stage} continues a run: pass --run_id <id> (printed by kfm ingest)`);
  }
  const window = {
    ...(flags.since === undefined ? {} : { since: instant(flags.since, '--since') }),
    ...(flags.until === undefined ? {} : { until: instant(flags.until, '--until') }),
  };
  if (window.since !== undefined && window.until !== undefined && window.since >= window.until) {
    throw new KfmError('USAGE', `--since ${flags.since} must be before --until ${flags.until}`);
  }
  const checked = flags.baseUrl === undefined ? flags : { ...flags, baseUrl: baseUrl(flags.baseUrl) };
  return {
    stage,
    dataset_id: datasetId,
    ...(flags.run_id === undefined ? {} : { run_id: flags.run_id }),
    flags: stage === 'backfill' ? backfillFlags(checked, window) : checked,
    window,
    wait_seconds: parseWait(flags.wait),
  };
}

/** --wait in seconds (a stage's, or `kfm recover`'s); DEFAULT_WAIT_SECONDS when not given. */
export function parseWait(value: string | undefined): number {
  if (value === undefined) return DEFAULT_WAIT_SECONDS;
  if (!/^[0-9]+(\.[0-9]+)?$/.test(value)) {
    throw new KfmError(
      'USAGE',
      `--wait ${value}: expected a number of seconds, e.g. --wait 0 or --wait 120`,
      {
        details: { field: '--wait' },
      },
    );
  }
  return Number(value);
}

/**
 * The seed: a backfill MUST be windowed. The batch is checked here, before anything is read, and
 * its default is made explicit so run.started records the batch the windows were cut with.
 */
function backfillFlags(flags: SeedFlags, window: StageRequest['window']): SeedFlags {
  if (window.since === undefined || window.until === undefined) {
    throw new KfmError(
      'USAGE',
      'backfill needs --since and --until: a backfill is an explicit historical window, e.g. --since 2024-01-01 --until 2024-02-01',
    );
  }
  const batch = flags.batch ?? DEFAULT_BATCH;
  const parsed = parseBatch(batch);
  if (!parsed.ok) throw new KfmError('USAGE', `--batch ${parsed.message}`, { details: { field: '--batch' } });
  const count = countWindows({ since: window.since, until: window.until }, parsed.ms);
  if (count > MAX_BACKFILL_WINDOWS) {
    throw new KfmError(
      'USAGE',
      `--batch ${batch} cuts ${count} windows, more than ${MAX_BACKFILL_WINDOWS}: choose a longer --batch or a shorter range`,
    );
  }
  return { ...flags, batch };
}

export function checkDatasetId(datasetId: string): void {
  check(DatasetId, datasetId, 'dataset_id');
}

function check(schema: z.ZodType, value: string, what: string): void {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new KfmError('USAGE', `${what} ${JSON.stringify(value)}: ${result.error.issues[0]?.message}`, {
      details: { field: what },
    });
  }
}

/**
 * --base-url: an absolute http(s) URL without credentials, query or fragment, under which the
 * catalogs name the governed API's paths (`/datasets/…`); a trailing slash is dropped.
 */
function baseUrl(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  const ok =
    url !== undefined &&
    (url.protocol === 'https:' || url.protocol === 'http:') &&
    url.username === '' &&
    url.password === '' &&
    url.search === '' &&
    url.hash === '' &&
    !/[?#]/.test(value);
  if (!ok) {
    throw new KfmError(
      'USAGE',
      `--base-url ${JSON.stringify(value)}: expected the governed API's public http(s) URL without credentials, query or fragment, e.g. https://data.example.org/kfm`,
      { details: { field: '--base-url' } },
    );
  }
  return url!.href.replace(/\/+$/, '');
}

/** Windows are recorded as UTC instants with milliseconds, whatever form the operator typed. */
function instant(value: string, flag: string): string {
  if (!Iso.safeParse(value).success) {
    throw new KfmError(
      'USAGE',
      `${flag} ${value}: expected an ISO-8601 date or date-time, e.g. 2026-01-01 or 2026-01-01T00:00:00Z`,
    );
  }
  return new Date(value.length === 10 ? `${value}T00:00:00Z` : value).toISOString();
}
