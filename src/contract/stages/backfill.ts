import { monotonicFactory } from 'ulid';
import { asKfmError, EXIT, KfmError } from '../../errors.js';
import {
  type CompletedWindow,
  completedWindows,
  coveredWithin,
  parseBatch,
  planWindows,
  stretchesOf,
  type TimeWindow,
} from '../../projections/backfill-windows.js';
import { windowEvents } from '../backfill/ingest-window.js';
import { etaSeconds, formatDuration, progressLine, windowsPerSecond } from '../backfill/progress.js';
import { type WindowDigest, windowDigest } from '../backfill/window-digest.js';
import type { StageResult, StageScope } from '../stage-scope.js';
import type { SeedFlags } from '../stage-types.js';

/** Requests per window when the connector does not say: one discovery (HEAD) and one page. */
const DEFAULT_REQUESTS_PER_WINDOW = 2;
const newRunId = monotonicFactory();

interface Plan {
  range: TimeWindow;
  batch: string;
  windows: TimeWindow[];
  already: CompletedWindow[];
}

type WindowOutcome =
  | ({ status: 'completed'; window: TimeWindow; child_run_id: string; ms: number } & WindowDigest)
  | { status: 'failed'; window: TimeWindow; child_run_id: string; ms: number; error: KfmError | Reason };

interface Reason {
  code: string;
  message: string;
  exitCode: number;
}

/**
 * The windows still to do: the requested range less what the ledger recorded completed before this
 * run started. run_record's projection (backfill-record.ts) recomputes exactly this.
 */
async function makePlan(scope: StageScope): Promise<Plan> {
  const { since, until } = scope.request.window;
  const batch = scope.request.flags.batch!;
  const parsed = parseBatch(batch);
  if (since === undefined || until === undefined || !parsed.ok) {
    throw new KfmError('USAGE', 'backfill needs --since, --until and a valid --batch');
  }
  const range = { since, until };
  const before = scope.started_seq > 0 ? scope.started_seq : Number.POSITIVE_INFINITY;
  const covered = completedWindows((await windowEvents(scope.datasetEvents)).filter((e) => e.seq < before));
  return {
    range,
    batch,
    windows: planWindows(range, parsed.ms, covered),
    already: coveredWithin(range, covered),
  };
}

/** --dry-run: the window plan, the requests it should take and the time that takes at the rate limit. */
export async function planBackfill(scope: StageScope): Promise<Record<string, unknown>> {
  const plan = await makePlan(scope);
  const ds = scope.request.dataset_id;
  const perWindow = scope.connector.windowed?.requests_per_window ?? DEFAULT_REQUESTS_PER_WINDOW;
  const requests = plan.windows.length * perWindow;
  const rate = scope.limits.rate_limit;
  return {
    ...plan.range,
    batch: plan.batch,
    windows: plan.windows.length,
    batches: plan.windows,
    already_completed: stretchesOf(plan.already),
    requests_per_window: perWindow,
    expected_requests: requests,
    rate_limit: rate,
    estimated_seconds: rate === null ? null : Math.ceil(requests / rate),
    estimate_basis: 'the rate limit alone; upstream latency, extra pages and retries come on top',
    would_write: [
      `data/raw/${ds}/<child_run_id>/… (each window's pages)`,
      `data/raw/${ds}/manifest.yml`,
      `data/raw/${ds}/checksums.sha256`,
      `data/work/${ds}/runs/<child_run_id>/run_record.json, validation_report.json (each window)`,
      `data/work/${ds}/runs/${scope.run_id}/run_record.json`,
    ],
  };
}

/**
 * `kfm backfill`: one child run per window (ingest then validate, each run.started naming this run
 * as parent), one `backfill.window.completed` here per validated window. Like every stage it runs
 * under the dataset's lock, after the runs a killed backfill left open were closed (run-stage.ts);
 * windows completed before are never captured again, so rerunning the same command resumes where
 * the last one stopped.
 */
export async function backfill(scope: StageScope): Promise<StageResult> {
  const plan = await makePlan(scope);
  const outcomes = await runWindows(scope, plan);
  return conclude(scope, plan, outcomes, scope.recovered.length);
}

async function runWindows(scope: StageScope, plan: Plan): Promise<WindowOutcome[]> {
  const startedAt = Date.now();
  const outcomes: WindowOutcome[] = [];
  const total = plan.windows.length;
  scope.log.info(
    `${total} window(s) of ${plan.batch} to do in ${plan.range.since}..${plan.range.until}, ${plan.already.length} already completed`,
  );
  if (scope.progress !== null && total > 0) {
    scope.progress(
      `kfm backfill ${scope.request.dataset_id}  ${progressLine({ done: 0, total, elapsedMs: 0 })}`,
    );
  }
  for (const window of plan.windows) {
    const outcome = await runWindow(scope, window);
    outcomes.push(outcome);
    report(scope, outcome, { done: outcomes.length, total, elapsedMs: Date.now() - startedAt });
    // Anything but the upstream or a validation (a full disk, a zone violation) would fail every window.
    if (outcome.status === 'failed' && !['UPSTREAM_FAILED', 'VALIDATION_FAILED'].includes(outcome.error.code))
      break;
    if (scope.limits.budgetSpent()) break;
  }
  if (scope.progress !== null && total > 0) scope.progress('\n');
  return outcomes;
}

async function runWindow(scope: StageScope, window: TimeWindow): Promise<WindowOutcome> {
  const child = newRunId();
  const t0 = Date.now();
  const common = { dataset_id: scope.request.dataset_id, run_id: child, parent_run_id: scope.run_id, window };
  const zones = zoneFlags(scope.request.flags);
  const config = scope.request.flags.config;
  try {
    await scope.runChild({
      stage: 'ingest',
      ...common,
      flags: {
        ...zones,
        ...(config === undefined ? {} : { config }),
        since: window.since,
        until: window.until,
      },
    });
    const validated = await scope.runChild({
      stage: 'validate',
      ...common,
      flags: { ...zones, run_id: child },
    });
    if (validated.status !== 'succeeded') {
      const failed = (validated.failed as string[] | undefined) ?? [];
      const message = `validation failed: ${failed.join(', ')} (see data/work/${common.dataset_id}/runs/${child}/validation_report.json)`;
      const error = { code: 'VALIDATION_FAILED', message, exitCode: EXIT.denied };
      return { status: 'failed', window, child_run_id: child, ms: Date.now() - t0, error };
    }
  } catch (error) {
    const failure = asKfmError(error);
    return { status: 'failed', window, child_run_id: child, ms: Date.now() - t0, error: failure };
  }
  const digest = await windowDigest(scope, child);
  await scope.record('backfill.window.completed', { window, child_run_id: child, ...digest });
  return { status: 'completed', window, child_run_id: child, ms: Date.now() - t0, ...digest };
}

function zoneFlags(flags: SeedFlags): SeedFlags {
  return {
    ...(flags.raw_dir === undefined ? {} : { raw_dir: flags.raw_dir }),
    ...(flags.work_dir === undefined ? {} : { work_dir: flags.work_dir }),
  };
}

/** One log line per window (JSON Lines with --log_json), or the progress bar on a terminal. */
function report(
  scope: StageScope,
  o: WindowOutcome,
  facts: { done: number; total: number; elapsedMs: number },
) {
  const rate = windowsPerSecond(facts);
  const eta = etaSeconds(facts);
  const fields = {
    window: o.window,
    status: o.status,
    child_run_id: o.child_run_id,
    duration_ms: o.ms,
    done: facts.done,
    total: facts.total,
    windows_per_second: rate === null ? null : Math.round(rate * 100) / 100,
    eta_seconds: eta,
    requests: scope.limits.requests(),
    retries: scope.limits.retries(),
    ...(o.status === 'completed'
      ? { files: o.files, rows: o.rows, sha256: o.sha256 }
      : { error: { code: o.error.code, message: o.error.message } }),
  };
  const what =
    o.status === 'completed'
      ? `completed: ${o.files} file(s), ${o.rows} row(s), sha256 ${o.sha256.slice(0, 12)}`
      : `failed: ${o.error.message}`;
  if (scope.progress !== null) {
    if (o.status === 'failed') scope.progress(`\r\x1b[2K`);
    if (o.status === 'failed') scope.log.warn(`window ${o.window.since}..${o.window.until} ${what}`, fields);
    scope.progress(`\r\x1b[2Kkfm backfill ${scope.request.dataset_id}  ${progressLine(facts)}`);
    return;
  }
  const progress = `${facts.done}/${facts.total}${eta === null ? '' : `, ETA ${formatDuration(eta)}`}`;
  scope.log.info(`window ${o.window.since}..${o.window.until} ${what} (${progress})`, fields);
}

function conclude(scope: StageScope, plan: Plan, outcomes: WindowOutcome[], recovered: number): StageResult {
  const completed = outcomes.filter((o) => o.status === 'completed');
  const failed = outcomes.filter((o) => o.status === 'failed');
  const pending = plan.windows.length - outcomes.length;
  const summary = {
    windows: plan.windows.length,
    completed: completed.length,
    failed: failed.length,
    pending,
    already_completed: plan.already.length,
    files: completed.reduce((sum, o) => sum + o.files, 0),
    rows: completed.reduce((sum, o) => sum + o.rows, 0),
    requests: scope.limits.requests(),
    retries: scope.limits.retries(),
    recovered_runs: recovered,
  };
  if (failed.length === 0 && pending === 0) return { status: 'succeeded', summary };
  const last = failed.at(-1)!;
  const why = scope.limits.budgetSpent()
    ? `the run's retry budget (${scope.limits.retry_budget} retries) is spent`
    : `${failed.length} window(s) failed`;
  const message =
    `backfill of ${scope.request.dataset_id} stopped: ${why}; last failure (${last.window.since}..${last.window.until}): ${last.error.message}. ` +
    `${completed.length} of ${plan.windows.length} window(s) completed and recorded (they are never captured again), ` +
    `${failed.length} failed, ${pending} not attempted: rerun the same command to resume`;
  const upstream = failed.some((o) => o.error.code === 'UPSTREAM_FAILED');
  const fatal = failed.find((o) => !['UPSTREAM_FAILED', 'VALIDATION_FAILED'].includes(o.error.code));
  if (fatal !== undefined && fatal.error instanceof KfmError) {
    throw new KfmError(fatal.error.code, message, { details: summary, cause: fatal.error });
  }
  if (upstream) throw new KfmError('UPSTREAM_FAILED', message, { details: summary });
  return { status: 'failed', error: { code: 'VALIDATION_FAILED', message }, summary };
}
