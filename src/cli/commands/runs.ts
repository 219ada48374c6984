import { type Command, Option } from 'commander';
import { EXIT } from '../../errors.js';
import type { RunRow, StageRow } from '../../projections/projection-rows.js';
import { COMMAND_SUMMARIES } from '../command-summaries.js';
import { duration, relativeTime, renderTable } from '../human-table.js';
import {
  type Cli,
  type CommandRun,
  clockNow,
  type GlobalOptions,
  humanWidth,
  RELATIVE_TIMES_HELP,
  writeJson,
} from '../io.js';
import { requireDataset, withQueries } from '../query-access.js';

export const RUN_STATUSES = ['succeeded', 'failed', 'denied', 'running'] as const;

export interface RunsOptions {
  dataset_id?: string;
  status?: (typeof RUN_STATUSES)[number];
  now?: () => number;
}

const MARK: Record<StageRow['status'], string> = { succeeded: '✓', failed: '✗', denied: '⊘', running: '…' };

/** `ingest ✓ transform ✓ validate ✗`: each stage of the run with its outcome. */
export function stageTrail(run: RunRow): string {
  return run.stages.map((s) => `${s.stage} ${MARK[s.status]}`).join(' ');
}

/** What went wrong, briefly: the failed stage's error code, or the denial's reason codes. */
export function runProblem(run: RunRow): string {
  if (run.denied !== null) return run.denied.join(', ');
  return run.stages.findLast((s) => s.error !== null)?.error?.code ?? '';
}

export interface GroupedRun {
  run: RunRow;
  /** How many listed runs name this one as their parent (a backfill's windows). */
  children: number;
  /** Listed under its parent, which is listed too. */
  child: boolean;
}

/**
 * Runs oldest first, each backfill child moved under its parent; a child whose parent is not
 * listed (filtered out by --status) stays in its own place, since there is nothing to group under.
 */
export function groupChildren(runs: readonly RunRow[]): GroupedRun[] {
  const listed = new Set(runs.map((r) => `${r.dataset_id}/${r.run_id}`));
  const parentKey = (r: RunRow) => (r.parent_run_id === null ? null : `${r.dataset_id}/${r.parent_run_id}`);
  const childrenOf = new Map<string, RunRow[]>();
  for (const run of runs) {
    const key = parentKey(run);
    if (key !== null && listed.has(key)) childrenOf.set(key, [...(childrenOf.get(key) ?? []), run]);
  }
  return runs.flatMap((run) => {
    const key = parentKey(run);
    if (key !== null && listed.has(key)) return [];
    const children = childrenOf.get(`${run.dataset_id}/${run.run_id}`) ?? [];
    return [
      { run, children: children.length, child: false },
      ...children.map((c) => ({ run: c, children: 0, child: true })),
    ];
  });
}

/** Runs oldest first (proj_runs), of one dataset or of all, optionally of one status. */
export function listRuns(options: GlobalOptions & RunsOptions): CommandRun {
  return async (io) => {
    const runs = await withQueries(options, async (ctx) => {
      if (options.dataset_id !== undefined) await requireDataset(ctx, options.dataset_id);
      return ctx.queries.runs({
        ...(options.dataset_id === undefined ? {} : { dataset_id: options.dataset_id }),
        ...(options.status === undefined ? {} : { status: options.status }),
      });
    });
    if (options.json) {
      writeJson(io, runs);
      return EXIT.ok;
    }
    if (runs.length === 0) {
      io.stdout(`no ${options.status ?? ''}${options.status ? ' ' : ''}runs\n`);
      return EXIT.ok;
    }
    const now = (options.now ?? clockNow)();
    io.stdout(
      renderTable(
        ['DATASET', 'RUN', 'STATUS', 'STAGES', 'VERSION', 'STARTED', 'TOOK', 'SEQ', 'PROBLEM'],
        groupChildren(runs).map(({ run: r, children, child }) => [
          child ? '' : r.dataset_id,
          child ? `  └ ${r.run_id}` : r.run_id,
          r.status,
          `${stageTrail(r)}${children > 0 ? ` (${children} child run${children === 1 ? '' : 's'})` : ''}`,
          r.version_id === null ? '—' : `${r.version_id}${r.reused ? ' (reused)' : ''}`,
          relativeTime(r.started_at, now),
          duration(r.started_at, r.completed_at),
          `${r.first_seq}–${r.last_seq}`,
          runProblem(r),
        ]),
        humanWidth(options, io),
        [0, 1, 4],
      ),
    );
    return EXIT.ok;
  };
}

export function registerRuns(program: Command, cli: Cli): void {
  program
    .command('runs')
    .argument('[dataset_id]', 'only runs of this dataset (exit 2 if it is unknown)')
    .description(COMMAND_SUMMARIES.runs.description)
    .addHelpText('after', RELATIVE_TIMES_HELP)
    .addOption(new Option('--status <status>', 'only runs whose latest stage ended so').choices(RUN_STATUSES))
    .action((datasetId: string | undefined, opts: Pick<RunsOptions, 'status'>) =>
      cli.run(
        listRuns({
          ...cli.globals(),
          ...opts,
          ...(datasetId === undefined ? {} : { dataset_id: datasetId }),
        }),
      ),
    );
}
