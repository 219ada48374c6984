import { join } from 'node:path';
import { monotonicFactory } from 'ulid';
import { openKfmLedger } from '../compose/open-kfm-ledger.js';
import { asKfmError, EXIT, type ExitCode, KfmError } from '../errors.js';
import type { DatasetLock } from '../ledger/dataset-lock.js';
import type { LedgerDoor } from '../ledger/ledger-door.js';
import { nodeSha256Hex } from '../ledger/node-hasher.js';
import { specHash } from '../ledger/pure/spec-hash.js';
import { isType, readEvents } from '../projections/ledger-event.js';
import { renderReceipt } from '../projections/render-receipt.js';
import type { DatasetEntry } from '../registry/dataset-entry.js';
import { loadDatasetEntry, resolveUpstreamUri } from '../registry/load-registry.js';
import { kfmActor } from '../tool-info.js';
import {
  createRunUpstream,
  type RunUpstream,
  type UpstreamSettings,
  upstreamSettings,
} from '../upstream/run-upstream.js';
import type { UpstreamDeps } from '../upstream/upstream-client.js';
import { type ZoneLayout, zoneLayout } from '../zones/zone-layout.js';
import { createZoneWriter } from '../zones/zone-writer.js';
import { resolveIngestWindow, type UpToDate } from './backfill/ingest-window.js';
import { fitLine } from './backfill/progress.js';
import type { ConnectorDefinition } from './define-connector.js';
import { loadConnector } from './load-connector.js';
import { readConfig, readSpec } from './read-spec.js';
import { writeRawProjections, writeRunReceipts } from './receipts.js';
import { recoverDataset } from './recover-dataset.js';
import { runClosedError, runClosure } from './run-closed.js';
import { secretScrubber } from './scrub-secrets.js';
import { createStageLog, type StageLog } from './stage-log.js';
import { DEFAULT_WAIT_SECONDS } from './stage-request.js';
import {
  readDatasetEvents,
  readEventsOfType,
  readRunEvents,
  recordEvent,
  type StageResult,
  type StageScope,
} from './stage-scope.js';
import { flagName, SEED_FLAGS, type StageRequest } from './stage-types.js';
import { STAGES } from './stages/index.js';
import { checkWriteTargets, runReceiptTarget } from './stages/write-targets.js';
import { checkDatasetZones, recordedZoneArgs } from './zone-record.js';

export interface StageEnv {
  root: string;
  /** The ledger: an SQLite file's path or a `postgres://` URL (see openKfmLedger). */
  ledger: string;
  /** Where connectors/ lives (the project), as opposed to --root (the data). */
  projectRoot: string;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  now?: () => Date;
  upstream?: Partial<UpstreamDeps>;
  /** stderr is a terminal: a backfill draws its progress there. */
  isTTY?: boolean;
  /** The terminal's width, which the progress line must not exceed. */
  columns?: number;
  /** A child run's upstream: its parent's client, token bucket and retry budget. */
  shared?: RunUpstream;
}

export interface StageOutcome {
  run_id: string;
  dataset_id: string;
  stage: StageRequest['stage'];
  status: 'succeeded' | 'failed' | 'denied' | 'planned';
  seq: { first: number; last: number } | null;
  exit: ExitCode;
  receipts: string[];
  /** Stage-specific facts (captures, checks, version_id, denial reasons …), flat in --json output. */
  [fact: string]: unknown;
}

interface Prepared {
  /** null only for promote, whose gate denies with REGISTRY_MISSING instead of refusing to start. */
  entry: DatasetEntry | null;
  connector: ConnectorDefinition;
  spec: Record<string, unknown>;
  spec_hash: string;
  args: Record<string, unknown>;
  config: Record<string, unknown>;
  layout: ZoneLayout;
  upstream_uri: string | undefined;
  settings: UpstreamSettings;
}

/** Reads and checks every input before anything is written: a bad input leaves the ledger unchanged. */
async function prepare(request: StageRequest, env: StageEnv): Promise<Prepared> {
  const entry = await loadDatasetEntry(join(env.root, 'data', 'registry'), request.dataset_id).catch(
    (error: unknown) => {
      if (request.stage === 'promote' && error instanceof KfmError && error.code === 'NOT_FOUND') return null;
      throw error;
    },
  );
  const connector = await loadConnector(env.projectRoot, request.dataset_id, env.root);
  const zones = {
    ...(request.flags.raw_dir === undefined ? {} : { raw_dir: request.flags.raw_dir }),
    ...(request.flags.work_dir === undefined ? {} : { work_dir: request.flags.work_dir }),
    ...(request.flags.processed_dir === undefined ? {} : { processed_dir: request.flags.processed_dir }),
  };
  const layout = zoneLayout(env.root, zones);
  const args: Record<string, unknown> = {};
  for (const flag of SEED_FLAGS) {
    const value = request.flags[flag];
    // How a run is logged or how long it waits for the lock is not what it does: not in its spec.
    if (value !== undefined && flag !== 'run_id' && flag !== 'log_json' && flag !== 'wait')
      args[flagName(flag).slice(2)] = value;
  }
  // Zones as the ledger keeps them: relative to the root, whatever the current directory was.
  Object.assign(args, recordedZoneArgs(layout, zones));
  const spec =
    request.flags.spec === undefined
      ? { stage: request.stage, dataset_id: request.dataset_id, ...args }
      : await readSpec(request.flags.spec);
  const config = request.flags.config === undefined ? {} : await readConfig(request.flags.config);
  const configured = (config.upstream as { uri?: string } | undefined)?.uri ?? entry?.upstream?.uri;
  return {
    entry,
    connector,
    spec,
    spec_hash: specHash(spec, nodeSha256Hex),
    args,
    config,
    layout,
    upstream_uri:
      configured === undefined ? undefined : resolveUpstreamUri(configured, env.projectRoot, env.root),
    settings: upstreamSettings(entry, config, request.flags.config),
  };
}

/**
 * A run id is one run of one dataset: given with another dataset's id, any stage (a new ingest
 * too, which would otherwise start a second run under the same id) says whose run it is.
 */
async function refuseOtherDatasetsRun(
  request: StageRequest,
  ledger: LedgerDoor,
  runId: string,
): Promise<void> {
  const ds = request.dataset_id;
  const [other] = await readEvents(ledger, { run_id: runId, limit: 1 });
  if (other === undefined || other.dataset_id === ds) return;
  const owning = other.dataset_id;
  const starts = request.stage === 'ingest' || request.stage === 'backfill';
  const fix = starts
    ? `omit --run_id, or give ${ds} a run id no other run has`
    : `run \`kfm ${request.stage} ${owning} --run_id ${runId}\`, or give a run of ${ds} (\`kfm runs ${ds}\`)`;
  throw new KfmError('NOT_FOUND', `run ${runId} belongs to dataset ${owning}, not ${ds}: ${fix}`, {
    details: { run_id: runId, dataset_id: ds, owner_dataset_id: owning },
  });
}

/**
 * `checkClosed`: refuse a run whose promote completed (RUN_CLOSED). A stage that takes the lock checks
 * it only under the lock, after recovery: a promote killed after its run.completed then still gets
 * its receipts written by the rerun's recovery before the rerun is refused.
 */
async function resolveRunId(
  request: StageRequest,
  ledger: LedgerDoor,
  checkClosed: boolean,
): Promise<string> {
  const ds = request.dataset_id;
  if (request.stage === 'ingest' || request.stage === 'backfill') {
    const runId = request.run_id ?? monotonicFactory()();
    if (request.run_id !== undefined) await refuseOtherDatasetsRun(request, ledger, runId);
    if (request.run_id !== undefined && (await readRunEvents(ledger, ds, runId)).length > 0) {
      throw new KfmError(
        'USAGE',
        `run ${runId} of ${ds} already exists: ${request.stage} starts a new run (omit --run_id)`,
      );
    }
    return runId;
  }
  const runId = request.run_id!;
  const events = await readRunEvents(ledger, ds, runId);
  if (events.length === 0) await refuseOtherDatasetsRun(request, ledger, runId);
  const closure = checkClosed ? runClosure(events) : null;
  if (closure !== null) throw runClosedError(ds, runId, request.stage, closure);
  const ingested = events.some((e) => isType(e, 'run.completed') && e.payload.status === 'succeeded');
  if (!ingested) {
    throw new KfmError(
      'NOT_FOUND',
      `run ${runId} of dataset ${ds} has no completed ingest: run \`kfm ingest ${ds}\` first`,
      {
        details: { run_id: runId, dataset_id: ds },
      },
    );
  }
  return runId;
}

/** One contract step: run.started → body → run.completed, then the run's receipts. */
export async function runStage(request: StageRequest, env: StageEnv): Promise<StageOutcome | UpToDate> {
  try {
    return await runStageUnscrubbed(request, env);
  } catch (error) {
    // Whatever stopped the stage is printed, its details too under --json: a failed fetch names the
    // URI it was given, secrets and all, and a dry run's or a connector's error is no exception.
    const failure = asKfmError(error);
    const scrub = secretScrubber(env.env);
    const scrubbed = new KfmError(failure.code, scrub(failure.message), {
      details: scrub(failure.details),
      cause: error,
    });
    // --debug prints the stack: the frames where it failed, not these, under the scrubbed message.
    if (failure.stack !== undefined) scrubbed.stack = scrub(failure.stack);
    throw scrubbed;
  }
}

async function runStageUnscrubbed(request: StageRequest, env: StageEnv): Promise<StageOutcome | UpToDate> {
  const prepared = await prepare(request, env);
  const ledger = await openKfmLedger(env.ledger, { actor: kfmActor(request.dataset_id) });
  try {
    const now = env.now ?? (() => new Date());
    const read = (type: Parameters<StageScope['datasetEvents']>[0]) =>
      readDatasetEvents(ledger, request.dataset_id, type);
    // Resolved here, not for child runs: a backfill window is explicit, never "up to date".
    const resolved = await resolveIngestWindow(request, prepared.connector, prepared.entry, read, now());
    if ('status' in resolved) return resolved;
    return await runPrepared(resolved, env, prepared, ledger, false);
  } finally {
    await ledger.close();
  }
}

/**
 * Takes the dataset's lock (waiting up to --wait) and closes whatever a killed stage left open:
 * from here until release, no other stage of the dataset runs, so no open run is running.
 */
async function lockDataset(
  request: StageRequest,
  runId: string,
  ledger: LedgerDoor,
  layout: ZoneLayout,
  log: StageLog,
): Promise<{ lock: DatasetLock; recovered: string[] }> {
  const lock = await ledger.lockDataset({
    datasetId: request.dataset_id,
    stage: request.stage,
    runId,
    waitSeconds: request.wait_seconds ?? DEFAULT_WAIT_SECONDS,
    onBusy: (holder) =>
      log.info(
        `waiting up to ${request.wait_seconds ?? DEFAULT_WAIT_SECONDS}s (--wait) for the ${holder.stage} stage of ${request.dataset_id} (pid ${holder.pid}) to end`,
      ),
  });
  try {
    const report = await recoverDataset({
      ledger,
      datasetId: request.dataset_id,
      root: layout.root,
      by: `the ${request.stage} stage of run ${runId}`,
      lock,
      warn: (text) => log.warn(text),
    });
    return { lock, recovered: report.closed.map((r) => r.run_id) };
  } catch (error) {
    await lock.release();
    throw error;
  }
}

/** `child`: a backfill's window runs under its parent's lock instead of taking the dataset's. */
async function runPrepared(
  request: StageRequest,
  env: StageEnv,
  prepared: Prepared,
  ledger: LedgerDoor,
  child: boolean,
): Promise<StageOutcome> {
  const ds = request.dataset_id;
  const now = env.now ?? (() => new Date());
  const dryRun = Boolean(request.flags.dryRun);
  const runId = await resolveRunId(request, ledger, child || dryRun);
  // A backfill's child runs take their parent's zones, which were checked when the parent started.
  if (request.parent_run_id === undefined)
    await checkDatasetZones(ledger, prepared.layout, ds, request.stage);
  const scrub = secretScrubber(env.env);
  const log = createStageLog({
    write: env.stderr,
    json: Boolean(request.flags.log_json),
    scrub,
    now,
    context: { dataset_id: ds, run_id: runId, stage: request.stage },
  });
  // A dry run records nothing, so it neither waits for the lock nor recovers.
  const locked =
    child || dryRun
      ? { lock: null, recovered: [] }
      : await lockDataset(request, runId, ledger, prepared.layout, log);
  try {
    // Again under the lock: a stage given the same --run_id may have started it, or a promote closed
    // it, while this one waited.
    if (locked.lock !== null && request.run_id !== undefined) await resolveRunId(request, ledger, true);
    return await runLocked(request, env, prepared, ledger, {
      runId,
      log,
      dryRun,
      recovered: locked.recovered,
    });
  } finally {
    await locked.lock?.release();
  }
}

interface Started {
  runId: string;
  log: StageLog;
  dryRun: boolean;
  /** Runs a killed stage left open, closed before this one started. */
  recovered: string[];
}

async function runLocked(
  request: StageRequest,
  env: StageEnv,
  prepared: Prepared,
  ledger: LedgerDoor,
  { runId, log, dryRun, recovered }: Started,
): Promise<StageOutcome> {
  const ds = request.dataset_id;
  const scrub = secretScrubber(env.env);
  const recorder = { ledger, dataset_id: ds, run_id: runId, scrub };
  const receiptWriter = createZoneWriter(prepared.layout, ['work']);
  const upstream = env.shared ?? createRunUpstream(prepared.settings, env.upstream ?? {});
  // Child runs log nothing of their own: the backfill reports one line per window.
  const childEnv: StageEnv = { ...env, stderr: () => undefined, isTTY: false, shared: upstream };
  const scope: StageScope = {
    request,
    run_id: runId,
    started_seq: 0,
    entry: prepared.entry,
    connector: prepared.connector,
    layout: prepared.layout,
    // A dry run may write only the work zone, whatever its stage.
    writer: createZoneWriter(prepared.layout, dryRun ? ['work'] : STAGES[request.stage].zones),
    upstream: upstream.client,
    limits: upstream.limits,
    upstream_uri: prepared.upstream_uri,
    config: prepared.config,
    log,
    record: async (type, payload) => {
      if (dryRun)
        throw new KfmError(
          'USAGE',
          `a dry run records nothing, but the ${request.stage} stage tried to record ${type}`,
        );
      return recordEvent(recorder, type, payload);
    },
    runEvents: () => readRunEvents(ledger, ds, runId),
    datasetEvents: (type) => readDatasetEvents(ledger, ds, type),
    ledgerEvents: (type) => readEventsOfType(ledger, type),
    runChild: async (child) => runPrepared(child, childEnv, await prepare(child, childEnv), ledger, true),
    recovered,
    progress:
      env.isTTY && !request.flags.log_json
        ? (chunk: string) => env.stderr(fitLine(chunk, env.columns))
        : null,
  };
  const base = { run_id: runId, dataset_id: ds, stage: request.stage };
  if (dryRun) {
    const path = `${ds}/runs/${runId}/dry_run.json`;
    checkWriteTargets(receiptWriter, prepared.layout, [{ zone: 'work', path }]);
    const plan = scrub({
      ...base,
      dry_run: true,
      spec_hash: prepared.spec_hash,
      args: prepared.args,
      window: request.window,
      plan: await STAGES[request.stage].plan(scope),
    });
    await receiptWriter.writeFile('work', path, renderReceipt(plan));
    return { ...plan, ...base, status: 'planned', seq: null, exit: EXIT.ok, receipts: [path] };
  }
  const place = {
    stage: request.stage,
    dataset_id: ds,
    run_id: runId,
    spatial: prepared.entry?.spatial === true,
  };
  checkWriteTargets(scope.writer, prepared.layout, STAGES[request.stage].writeTargets(place));
  checkWriteTargets(receiptWriter, prepared.layout, [runReceiptTarget(ds, runId)]);
  const firstSeq = await recordEvent(recorder, 'run.started', {
    stage: request.stage,
    spec: prepared.spec,
    spec_hash: prepared.spec_hash,
    args: prepared.args,
    ...(Object.keys(request.window).length === 0 ? {} : { window: request.window }),
    dry_run: false,
    ...(request.parent_run_id === undefined ? {} : { parent_run_id: request.parent_run_id }),
  });
  scope.started_seq = firstSeq;
  log.info(`run ${runId} started, spec_hash ${prepared.spec_hash.slice(0, 12)}`, { seq: firstSeq });
  let result: StageResult;
  try {
    result = await STAGES[request.stage].run(scope);
  } catch (error) {
    const failure = asKfmError(error);
    // Captures made before the failure stay recorded; the raw manifest must list them too. If it
    // cannot be written either, the run must still be closed: replay rewrites the manifest later.
    const captured = (await scope.runEvents()).some((e) => e.seq > firstSeq && e.type === 'raw.captured');
    if (captured) {
      await writeRawProjections(scope).catch((manifestError: unknown) =>
        log.warn(
          `raw manifest not written: ${asKfmError(manifestError).message}; \`kfm replay\` rewrites it once the zone is fixed`,
        ),
      );
    }
    const lastSeq = await recordEvent(recorder, 'run.completed', {
      status: 'failed',
      error: { code: failure.code, message: failure.message },
    });
    log.info(`run ${runId} failed: ${failure.message}`, { seq: lastSeq });
    await writeRunReceipts(ledger, receiptWriter, ds, runId);
    throw new KfmError(failure.code, failure.message, {
      details: { ...failure.details, ...base, status: 'failed', seq: { first: firstSeq, last: lastSeq } },
      cause: error,
    });
  }
  const lastSeq = await recordEvent(recorder, 'run.completed', {
    status: result.status,
    ...(result.error === undefined ? {} : { error: result.error }),
  });
  log.info(`run ${runId} ${result.status}`, { seq: lastSeq });
  const receipts = await writeRunReceipts(ledger, receiptWriter, ds, runId);
  return {
    ...result.summary,
    ...base,
    status: result.status,
    seq: { first: firstSeq, last: lastSeq },
    exit: result.status === 'succeeded' ? EXIT.ok : EXIT.denied,
    receipts,
  };
}
