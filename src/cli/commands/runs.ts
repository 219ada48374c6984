import { type Command, Option } from 'commander';
import { EXIT } from '../../errors.js';
import type { RunRow, StageRow } from '../../ledger/pure/projection-rows.js';
import { duration, relativeTime, renderTable } from '../human-table.js';
import { type Cli, type CommandRun, type GlobalOptions, writeJson } from '../io.js';
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

/** Runs oldest first (proj_runs), of one dataset or of all, optionally of one status. */
export function listRuns(options: GlobalOptions & RunsOptions): CommandRun {
  return async (io) => {
    const runs = await withQueries(options, (ctx) => {
      if (options.dataset_id !== undefined) requireDataset(ctx, options.dataset_id);
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
    const now = (options.now ?? Date.now)();
    io.stdout(
      renderTable(
        ['DATASET', 'RUN', 'STATUS', 'STAGES', 'VERSION', 'STARTED', 'TOOK', 'SEQ', 'PROBLEM'],
        runs.map((r) => [
          r.dataset_id,
          r.run_id,
          r.status,
          stageTrail(r),
          r.version_id === null ? '—' : `${r.version_id}${r.reused ? ' (reused)' : ''}`,
          relativeTime(r.started_at, now),
          duration(r.started_at, r.completed_at),
          `${r.first_seq}–${r.last_seq}`,
          runProblem(r),
        ]),
      ),
    );
    return EXIT.ok;
  };
}

export function registerRuns(program: Command, cli: Cli): void {
  program
    .command('runs')
    .argument('[dataset_id]', 'only runs of this dataset (exit 2 if it is unknown)')
    .description('list runs oldest first with their stages, status, version and times')
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
