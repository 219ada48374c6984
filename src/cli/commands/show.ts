import type { Command } from 'commander';
import { EXIT } from '../../errors.js';
import { ULID_PATTERN } from '../../events/constants.js';
import { readEvents } from '../../projections/ledger-event.js';
import { projectLineage } from '../../projections/lineage.js';
import { COMMAND_SUMMARIES } from '../command-summaries.js';
import {
  type Cli,
  type CommandRun,
  clockNow,
  type GlobalOptions,
  humanWidth,
  RELATIVE_TIMES_HELP,
  writeJson,
} from '../io.js';
import { printShown, type Shown } from '../lineage-text.js';
import {
  firstCaptures,
  notFound,
  proofOf,
  type QueryContext,
  readDatasetEvents,
  readRunEvents,
  withQueries,
} from '../query-access.js';

export interface ShowOptions {
  ref: string;
  dataset_id?: string;
  now?: () => number;
}

/** Resolves `ref` as a seq, a version id, an event id or a run id, in that order. */
export async function showRef(ctx: QueryContext, ref: string, datasetId?: string): Promise<Shown> {
  if (/^\d+$/.test(ref)) return showEvent(ctx, Number(ref), ref);
  if (/^v[0-9a-f]{16}$/.test(ref)) return showVersion(ctx, ref, datasetId);
  if (ULID_PATTERN.test(ref)) {
    const seq = await ctx.queries.seqOfEventId(ref);
    if (seq !== null) return showEvent(ctx, seq, ref);
  }
  const runs = await ctx.queries.runs({
    run_id: ref,
    ...(datasetId === undefined ? {} : { dataset_id: datasetId }),
  });
  const run = runs[0];
  if (run === undefined) {
    throw notFound(
      `no event seq, version, event id or run ${ref}${datasetId ? ` in ${datasetId}` : ''} in the ledger`,
      {
        ref,
        ...(datasetId === undefined ? {} : { dataset_id: datasetId }),
      },
    );
  }
  if (runs.length > 1) {
    throw notFound(`run ${ref} exists in ${runs.map((r) => r.dataset_id).join(', ')}: pass --dataset_id`, {
      ref,
      datasets: runs.map((r) => r.dataset_id),
    });
  }
  return showRun(ctx, run.dataset_id, run.run_id);
}

async function showEvent(ctx: QueryContext, seq: number, ref: string): Promise<Shown> {
  const [row] = await readEvents(ctx.ledger, { from_seq: seq, to_seq: seq });
  if (row === undefined)
    throw notFound(`no event ${ref}: the ledger has ${ctx.head} events`, { ref, head: ctx.head });
  const event = row;
  const run = (await ctx.queries.runs({ dataset_id: event.dataset_id, run_id: event.run_id }))[0] ?? null;
  const versionId = (event.payload as { version_id?: unknown }).version_id;
  const version =
    typeof versionId === 'string'
      ? ((await ctx.queries.versionsById(versionId)).find((v) => v.dataset_id === event.dataset_id) ?? null)
      : null;
  return { kind: 'event', event, run, version };
}

async function showRun(ctx: QueryContext, datasetId: string, runId: string): Promise<Shown> {
  const events = await readRunEvents(ctx, datasetId, runId);
  const lineage = projectLineage(datasetId, events, {
    as_of: { seq: ctx.head, requested: null },
    firstSeen: await firstCaptures(ctx, datasetId, events),
  });
  const run = lineage.runs[0];
  if (run === undefined) throw notFound(`run ${runId} of ${datasetId} has no events`, { run_id: runId });
  return { kind: 'run', run, versions: lineage.versions, events: proofOf(events) };
}

async function showVersion(ctx: QueryContext, versionId: string, datasetId?: string): Promise<Shown> {
  const rows = (await ctx.queries.versionsById(versionId)).filter(
    (v) => datasetId === undefined || v.dataset_id === datasetId,
  );
  const row = rows[0];
  if (row === undefined) {
    throw notFound(`no version ${versionId}${datasetId ? ` of ${datasetId}` : ''} in the ledger`, {
      version_id: versionId,
      ...(datasetId === undefined ? {} : { dataset_id: datasetId }),
    });
  }
  if (rows.length > 1) {
    throw notFound(
      `version ${versionId} exists in ${rows.map((r) => r.dataset_id).join(', ')}: pass --dataset_id`,
      {
        version_id: versionId,
        datasets: rows.map((r) => r.dataset_id),
      },
    );
  }
  const events = await readDatasetEvents(ctx, row.dataset_id);
  const lineage = projectLineage(row.dataset_id, events, {
    as_of: { seq: ctx.head, requested: null },
    version_id: versionId,
  });
  const version = lineage.versions[0]!;
  const reuses = new Set(version.reused_by.map((r) => r.seq));
  const proof = events.filter((e) => e.run_id === version.run_id || reuses.has(e.seq));
  return { kind: 'version', version, run: lineage.runs[0] ?? null, events: proofOf(proof) };
}

export function showCommand(options: GlobalOptions & ShowOptions): CommandRun {
  return async (io) => {
    const shown = await withQueries(options, (ctx) => showRef(ctx, options.ref, options.dataset_id));
    if (options.json) writeJson(io, shown);
    else printShown(io, shown, (options.now ?? clockNow)(), humanWidth(options, io));
    return EXIT.ok;
  };
}

export function registerShow(program: Command, cli: Cli): void {
  program
    .command('show')
    .argument('<ref>', 'a seq, a version id (v + 16 hex), an event id or a run id')
    .option('--dataset_id <id>', 'the dataset, when a run or version id exists in several')
    .description(COMMAND_SUMMARIES.show.description)
    .addHelpText('after', RELATIVE_TIMES_HELP)
    .action((ref: string, opts: { dataset_id?: string }) =>
      cli.run(showCommand({ ...cli.globals(), ...opts, ref })),
    );
}
