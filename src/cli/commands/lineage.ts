import { type Command, Option } from 'commander';
import { EXIT, KfmError } from '../../errors.js';
import { type Lineage, projectLineage } from '../../projections/lineage.js';
import { lineageGraph, renderDot, renderMermaid } from '../../projections/lineage-graph.js';
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
import { DEFAULT_LINEAGE_LIMIT, renderLineageText } from '../lineage-text.js';
import { parseCount } from '../parse-args.js';
import {
  notFound,
  type QueryContext,
  readDatasetEvents,
  requireDataset,
  withQueries,
} from '../query-access.js';

export const LINEAGE_FORMATS = ['text', 'json', 'dot', 'mermaid'] as const;

export interface LineageOptions {
  /** `<dataset_id>` or `<dataset_id>@<version_id>`. */
  target: string;
  format?: (typeof LINEAGE_FORMATS)[number];
  as_of?: string;
  /** Text only: members of a repeated group listed (sources of one endpoint, child runs of one parent). */
  limit?: number;
  now?: () => number;
}

/**
 * The ledger prefix an `--as-of` names, as a seq: a seq itself; a version id: the end of the
 * promotion that published it (its catalogs included); an ISO-8601 time: up to the dataset's first
 * event recorded after it. Nothing after that seq is read, so no later event changes the answer.
 */
export async function resolveAsOf(
  ctx: QueryContext,
  datasetId: string,
  asOf: string | undefined,
  now: number,
): Promise<number> {
  if (asOf === undefined) return ctx.head;
  if (/^\d+$/.test(asOf)) {
    const seq = Number(asOf);
    if (seq < 1 || seq > ctx.head)
      throw notFound(`--as-of ${asOf}: no such seq, the ledger has ${ctx.head} events`, {
        as_of: asOf,
        head: ctx.head,
      });
    return seq;
  }
  if (/^v[0-9a-f]{16}$/.test(asOf)) {
    const version = (await ctx.queries.versions(datasetId)).find((v) => v.version_id === asOf);
    if (version === undefined)
      throw notFound(`--as-of ${asOf}: no version ${asOf} of ${datasetId}`, {
        dataset_id: datasetId,
        version_id: asOf,
      });
    const run = (await ctx.queries.runs({ dataset_id: datasetId, run_id: version.run_id }))[0];
    const stage = run?.stages.find(
      (s) => s.started_seq < version.seq && (s.completed_seq ?? Infinity) > version.seq,
    );
    return stage?.completed_seq ?? version.seq;
  }
  const time = /^\d{4}-\d{2}-\d{2}/.test(asOf) ? Date.parse(asOf) : Number.NaN;
  if (Number.isNaN(time)) {
    throw new KfmError(
      'USAGE',
      `--as-of ${asOf}: expected a seq, an ISO-8601 time (2026-01-31T12:00:00Z) or a version id (v + 16 hex)`,
      { details: { as_of: asOf } },
    );
  }
  if (time > now)
    throw new KfmError(
      'USAGE',
      `--as-of ${asOf} is in the future: later events could still change the answer`,
      { details: { as_of: asOf } },
    );
  const next = await ctx.queries.firstDatasetSeqAfter(datasetId, new Date(time).toISOString());
  return next === null ? ctx.head : next - 1;
}

export async function queryLineage(
  ctx: QueryContext,
  target: string,
  asOf: string | undefined,
  now: number,
): Promise<Lineage> {
  const at = target.indexOf('@');
  const datasetId = at < 0 ? target : target.slice(0, at);
  const versionId = at < 0 ? null : target.slice(at + 1);
  await requireDataset(ctx, datasetId);
  const seq = await resolveAsOf(ctx, datasetId, asOf, now);
  await requireDataset(ctx, datasetId, seq);
  if (versionId !== null) {
    const version = (await ctx.queries.versions(datasetId)).find((v) => v.version_id === versionId);
    if (version === undefined || version.seq > seq) {
      const when = version === undefined ? '' : ` as of seq ${seq} (it was published at seq ${version.seq})`;
      throw notFound(`no version ${versionId} of ${datasetId}${when}; see \`kfm versions ${datasetId}\``, {
        dataset_id: datasetId,
        version_id: versionId,
        as_of_seq: seq,
      });
    }
  }
  const events = await readDatasetEvents(ctx, datasetId, seq);
  return projectLineage(datasetId, events, {
    as_of: { seq, requested: asOf ?? null },
    version_id: versionId,
  });
}

export function printLineage(options: GlobalOptions & LineageOptions): CommandRun {
  return async (io) => {
    const now = (options.now ?? clockNow)();
    const lineage = await withQueries(options, (ctx) =>
      queryLineage(ctx, options.target, options.as_of, now),
    );
    const format = options.format ?? (options.json ? 'json' : 'text');
    if (format === 'text') {
      io.stdout(renderLineageText(lineage, now, humanWidth(options, io), options.limit));
      return EXIT.ok;
    }
    const graph = lineageGraph(lineage);
    if (format === 'json') writeJson(io, { ...lineage, graph });
    else if (format === 'dot') io.stdout(renderDot(graph, `lineage ${options.target}`));
    else io.stdout(renderMermaid(graph));
    return EXIT.ok;
  };
}

export function registerLineage(program: Command, cli: Cli): void {
  program
    .command('lineage')
    .argument('<dataset_id[@version_id]>', 'a dataset (every version and run) or one version of it')
    .addOption(
      new Option('--format <format>', 'text (default), json (default with --json), dot or mermaid').choices(
        LINEAGE_FORMATS,
      ),
    )
    .option(
      '--as-of <point>',
      'answer from the ledger as it stood at a seq, an ISO-8601 time or a version id',
    )
    .option(
      '--limit <n>',
      `text: list at most n of a repeated group (requests to one endpoint, child runs of a backfill; default ${DEFAULT_LINEAGE_LIMIT})`,
      parseCount('--limit'),
    )
    .addOption(
      new Option(
        '--all',
        'text: list every member of every group (json, dot and mermaid always do)',
      ).conflicts('limit'),
    )
    .description(COMMAND_SUMMARIES.lineage.description)
    .addHelpText('after', RELATIVE_TIMES_HELP)
    .action(
      (
        target: string,
        opts: { format?: LineageOptions['format']; asOf?: string; limit?: number; all?: boolean },
      ) =>
        cli.run(
          printLineage({
            ...cli.globals(),
            target,
            ...(opts.format === undefined ? {} : { format: opts.format }),
            ...(opts.asOf === undefined ? {} : { as_of: opts.asOf }),
            ...(opts.all
              ? { limit: Number.POSITIVE_INFINITY }
              : opts.limit === undefined
                ? {}
                : { limit: opts.limit }),
          }),
        ),
    );
}
