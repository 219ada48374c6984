import type { Command } from 'commander';
import { cursorKey, readCursor, writeCursor } from '../../contract/openlineage/emit-cursor.js';
import { lineageEndpoint, postLineageEvent } from '../../contract/openlineage/post-lineage.js';
import { EXIT, type ExitCode, KfmError } from '../../errors.js';
import { canonicalJson } from '../../ledger/pure/canonical-json.js';
import {
  decodeEvent,
  isType,
  type LedgerEvent,
  type LedgerEventOf,
  readEvents,
} from '../../projections/ledger-event.js';
import {
  isOpenLineageAnchor,
  type OpenLineageOptions,
  projectRunEvent,
  type RunHistory,
} from '../../projections/openlineage.js';
import { type RetryPolicy, resolveRetryPolicy } from '../../upstream/retry-policy.js';
import { COMMAND_SUMMARIES } from '../command-summaries.js';
import { type Cli, type CommandRun, type GlobalOptions, type Io, resolvePaths, writeJson } from '../io.js';
import { parseCount } from '../parse-args.js';
import { type QueryContext, requireDataset, withQueries } from '../query-access.js';
import { resolveAsOf } from './lineage.js';

export interface OpenLineageCommandOptions {
  dataset_id?: string;
  since_seq?: number;
  as_of?: string;
  namespace?: string;
  emit?: string;
  api_key?: string;
  now?: () => number;
}

/**
 * The default namespace: `kfm://` and the first 32 hex digits of the genesis event's hash. The ledger
 * has no id of its own; its first event is fixed forever and differs between ledgers (it holds a
 * ULID and a time), so it names the ledger as stably as an id would.
 */
async function defaultNamespace(ctx: QueryContext): Promise<string> {
  const [genesis] = await readEvents(ctx.ledger, { to_seq: 1 });
  return genesis === undefined ? 'kfm://empty' : `kfm://${genesis.hash.slice(0, 32)}`;
}

/** Runs whose history stays decoded: several run at once when stages of several datasets interleave. */
const RUNS_CACHED = 64;

/**
 * Run histories read incrementally: the anchors of a run come in seq order, so each asks for a little
 * more of the same run, and each event is read and decoded once. Memory is bounded by RUNS_CACHED
 * runs, never by the ledger. `load` reads what an anchor's projection will ask `read` for (its run,
 * and the parent run a backfill child names), since the projection itself is synchronous.
 */
class RunHistories {
  readonly #ctx: QueryContext;
  readonly #cache = new Map<string, { toSeq: number; events: LedgerEvent[] }>();

  constructor(ctx: QueryContext) {
    this.#ctx = ctx;
  }

  readonly read: RunHistory = (datasetId, runId, toSeq) => {
    const entry = this.#cache.get(`${datasetId}\n${runId}`);
    return (entry?.events ?? []).filter((e) => e.seq <= toSeq);
  };

  async load(anchor: LedgerEvent): Promise<void> {
    const events = await this.#extend(anchor.dataset_id, anchor.run_id, anchor.seq);
    const started = events.find((e): e is LedgerEventOf<'run.started'> => isType(e, 'run.started'));
    const parent = started?.payload.parent_run_id;
    if (parent !== undefined) await this.#extend(anchor.dataset_id, parent, started!.seq);
  }

  async #extend(datasetId: string, runId: string, toSeq: number): Promise<LedgerEvent[]> {
    const key = `${datasetId}\n${runId}`;
    const entry = this.#cache.get(key) ?? { toSeq: 0, events: [] };
    this.#cache.delete(key);
    this.#cache.set(key, entry);
    if (this.#cache.size > RUNS_CACHED) this.#cache.delete(this.#cache.keys().next().value!);
    if (entry.toSeq >= toSeq) return entry.events;
    const filter = { dataset_id: datasetId, run_id: runId, from_seq: entry.toSeq + 1, to_seq: toSeq };
    entry.events.push(...(await readEvents(this.#ctx.ledger, filter)));
    entry.toSeq = toSeq;
    return entry.events;
  }
}

/** The run.started/run.completed events after `afterSeq` up to `toSeq`, streamed page by page. */
async function* anchorsOf(ctx: QueryContext, datasetId: string | undefined, afterSeq: number, toSeq: number) {
  const filter = {
    ...(datasetId === undefined ? {} : { dataset_id: datasetId }),
    from_seq: afterSeq + 1,
    to_seq: toSeq,
  };
  for await (const row of ctx.ledger.read(filter)) if (isOpenLineageAnchor(row)) yield decodeEvent(row);
}

interface Plan {
  namespace: string;
  toSeq: number;
}

async function planExport(ctx: QueryContext, options: OpenLineageCommandOptions, now: number): Promise<Plan> {
  const datasetId = options.dataset_id;
  if (datasetId !== undefined) await requireDataset(ctx, datasetId);
  else if (options.as_of !== undefined && !/^\d+$/.test(options.as_of))
    throw new KfmError(
      'USAGE',
      `--as-of ${options.as_of}: a time or a version id needs a <dataset_id>; without one, give a seq`,
      { details: { as_of: options.as_of } },
    );
  const toSeq = await resolveAsOf(ctx, datasetId ?? '', options.as_of, now);
  return { namespace: options.namespace ?? (await defaultNamespace(ctx)), toSeq };
}

async function* project(
  ctx: QueryContext,
  options: OpenLineageCommandOptions,
  olOptions: OpenLineageOptions,
  afterSeq: number,
  toSeq: number,
): AsyncGenerator<{ seq: number; line: string }> {
  const history = new RunHistories(ctx);
  for await (const anchor of anchorsOf(ctx, options.dataset_id, afterSeq, toSeq)) {
    await history.load(anchor);
    const event = projectRunEvent(anchor, history.read, olOptions);
    if (event !== null) yield { seq: anchor.seq, line: canonicalJson(event) };
  }
}

export function printOpenLineage(options: GlobalOptions & OpenLineageCommandOptions): CommandRun {
  return async (io) => {
    const now = (options.now ?? Date.now)();
    if (options.api_key !== undefined && options.emit === undefined)
      throw new KfmError('USAGE', '--api-key is only used with --emit <url>');
    if (options.emit !== undefined) return emitOpenLineage({ ...options, emit: options.emit }, now, io);
    await withQueries(options, async (ctx) => {
      const plan = await planExport(ctx, options, now);
      for await (const { line } of project(ctx, options, plan, options.since_seq ?? 0, plan.toSeq))
        io.stdout(`${line}\n`);
    });
    return EXIT.ok;
  };
}

export interface EmitSummary {
  endpoint: string;
  namespace: string;
  from_seq: number;
  to_seq: number;
  delivered: number;
}

/**
 * Delivers the events after the endpoint's cursor, in order, moving the cursor after each one;
 * throws OPENLINEAGE_EMIT_FAILED (cursor at the last delivered) when the endpoint will not take one.
 */
export async function emitLineage(
  options: GlobalOptions & OpenLineageCommandOptions & { emit: string },
  now: number,
  policy?: RetryPolicy,
): Promise<EmitSummary> {
  const endpoint = lineageEndpoint(options.emit);
  const { root } = resolvePaths(options);
  const transport = {
    url: options.emit,
    ...(options.api_key === undefined ? {} : { apiKey: options.api_key }),
    ...(policy === undefined ? {} : { policy }),
  };
  return withQueries(options, async (ctx) => {
    const plan = await planExport(ctx, options, now);
    const key = cursorKey(endpoint, plan.namespace, options.dataset_id);
    const after = Math.max(await readCursor(root, key), options.since_seq ?? 0);
    let delivered = 0;
    for await (const { seq, line } of project(ctx, options, plan, after, plan.toSeq)) {
      await postLineageEvent(transport, line, seq);
      await writeCursor(root, key, seq);
      delivered++;
    }
    if (plan.toSeq > after) await writeCursor(root, key, plan.toSeq);
    return { endpoint, namespace: plan.namespace, from_seq: after + 1, to_seq: plan.toSeq, delivered };
  });
}

async function emitOpenLineage(
  options: GlobalOptions & OpenLineageCommandOptions & { emit: string },
  now: number,
  io: Io,
): Promise<ExitCode> {
  const summary = await emitLineage(options, now);
  if (options.json) writeJson(io, summary);
  else if (summary.delivered === 0)
    io.stdout(`nothing new for ${summary.endpoint}; cursor at ${summary.to_seq}\n`);
  else
    io.stdout(
      `delivered ${summary.delivered} OpenLineage event(s) to ${summary.endpoint} (seq ${summary.from_seq}..${summary.to_seq}); cursor at ${summary.to_seq}\n`,
    );
  return EXIT.ok;
}

/** Few attempts after a promote: the stage is done and recorded, and its command should end soon. */
const AFTER_PROMOTE_POLICY = resolveRetryPolicy({ maxAttempts: 2, timeoutMs: 5000 });

/**
 * With KFM_OPENLINEAGE_URL set (and KFM_OPENLINEAGE_API_KEY, if the endpoint wants one), a promote
 * ends by delivering what the endpoint has not seen yet, on the same cursor as `--emit`. The stage
 * is already recorded: a failure here is a warning on stderr, never the stage's exit code.
 */
export async function emitAfterPromote(
  options: GlobalOptions,
  env: NodeJS.ProcessEnv,
  io: Io,
): Promise<void> {
  const url = env.KFM_OPENLINEAGE_URL;
  if (url === undefined || url === '') return;
  const apiKey = env.KFM_OPENLINEAGE_API_KEY;
  try {
    const summary = await emitLineage(
      { ...options, emit: url, ...(apiKey === undefined || apiKey === '' ? {} : { api_key: apiKey }) },
      Date.now(),
      AFTER_PROMOTE_POLICY,
    );
    io.stderr(`kfm: openlineage: delivered ${summary.delivered} event(s) to ${summary.endpoint}\n`);
  } catch (error) {
    io.stderr(
      `kfm: openlineage: ${(error as Error).message} (the promotion stands; \`kfm openlineage --emit\` resumes)\n`,
    );
  }
}

export function registerOpenLineage(program: Command, cli: Cli): void {
  program
    .command('openlineage')
    .argument('[dataset_id]', 'only this dataset (default: every dataset)')
    .description(COMMAND_SUMMARIES.openlineage.description)
    .option(
      '--since-seq <n>',
      'only events projected from ledger events after seq n',
      parseCount('--since-seq'),
    )
    .option(
      '--as-of <point>',
      'the ledger as it stood at a seq, an ISO-8601 time or a version id (the last two need a dataset_id)',
    )
    .option('--namespace <ns>', 'job namespace (default: kfm://<first 32 hex of the genesis event hash>)')
    .option(
      '--emit <url>',
      'POST each event to <url>/api/v1/lineage, resuming after the last seq delivered there (cursor in data/work/.openlineage-cursor.json)',
    )
    .option('--api-key <key>', 'with --emit: send Authorization: Bearer <key>')
    .action(
      (
        datasetId: string | undefined,
        opts: { sinceSeq?: number; asOf?: string; namespace?: string; emit?: string; apiKey?: string },
      ) =>
        cli.run(
          printOpenLineage({
            ...cli.globals(),
            ...(datasetId === undefined ? {} : { dataset_id: datasetId }),
            ...(opts.sinceSeq === undefined ? {} : { since_seq: opts.sinceSeq }),
            ...(opts.asOf === undefined ? {} : { as_of: opts.asOf }),
            ...(opts.namespace === undefined ? {} : { namespace: opts.namespace }),
            ...(opts.emit === undefined ? {} : { emit: opts.emit }),
            ...(opts.apiKey === undefined ? {} : { api_key: opts.apiKey }),
          }),
        ),
    );
}
