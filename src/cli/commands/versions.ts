import type { Command } from 'commander';
import { EXIT } from '../../errors.js';
import { COMMAND_SUMMARIES } from '../command-summaries.js';
import { formatBytes, relativeTime, renderTable, shortHash } from '../human-table.js';
import {
  type Cli,
  type CommandRun,
  clockNow,
  type GlobalOptions,
  humanWidth,
  RELATIVE_TIMES_HELP,
  writeJson,
} from '../io.js';
import { type QueryContext, requireDataset, withQueries } from '../query-access.js';

export interface VersionSummary {
  dataset_id: string;
  version_id: string;
  content_hash: string;
  run_id: string;
  /** recorded_at of its version.published. */
  published_at: string;
  /** seq and hash of its version.published: the event that proves it. */
  seq: number;
  hash: string;
  supersedes: string | null;
  superseded_by: string | null;
  artifacts: { path: string; sha256: string; bytes: number }[];
  bbox: [number, number, number, number] | null;
  /** Runs whose identical outputs reused it, with the seq of their version.reused (as `kfm lineage`). */
  reused_by: { run_id: string; seq: number }[];
}

/** A dataset's versions oldest first, from proj_versions (and proj_runs for reuses). */
export async function versionSummaries(ctx: QueryContext, datasetId: string): Promise<VersionSummary[]> {
  await requireDataset(ctx, datasetId);
  const rows = await ctx.queries.versions(datasetId);
  const summaries: VersionSummary[] = [];
  for (const v of rows) {
    const reusing = await ctx.queries.runsOfVersion(datasetId, v.version_id);
    summaries.push({
      dataset_id: v.dataset_id,
      version_id: v.version_id,
      content_hash: v.content_hash,
      run_id: v.run_id,
      published_at: v.published_at,
      seq: v.seq,
      hash: v.hash,
      supersedes: v.supersedes,
      superseded_by: rows.find((later) => later.supersedes === v.version_id)?.version_id ?? null,
      artifacts: v.artifacts,
      bbox: v.bbox,
      reused_by: reusing.flatMap((r) =>
        r.reused && r.promotion_seq !== null ? [{ run_id: r.run_id, seq: r.promotion_seq }] : [],
      ),
    });
  }
  return summaries;
}

export function listVersions(
  options: GlobalOptions & { dataset_id: string; now?: () => number },
): CommandRun {
  return async (io) => {
    const versions = await withQueries(options, (ctx) => versionSummaries(ctx, options.dataset_id));
    if (options.json) {
      writeJson(io, versions);
      return EXIT.ok;
    }
    if (versions.length === 0) {
      io.stdout(
        `${options.dataset_id} has no published version yet (see \`kfm runs ${options.dataset_id}\`)\n`,
      );
      return EXIT.ok;
    }
    const now = (options.now ?? clockNow)();
    io.stdout(
      renderTable(
        ['VERSION', 'CONTENT', 'CREATED', 'SEQ', 'RUN', 'SUPERSEDES', 'ARTIFACTS'],
        versions.map((v) => [
          v.version_id,
          shortHash(v.content_hash),
          relativeTime(v.published_at, now),
          String(v.seq),
          v.run_id,
          v.supersedes ?? '—',
          v.artifacts.map((a) => `${a.path} (${formatBytes(a.bytes)})`).join(', '),
        ]),
        humanWidth(options, io),
        [0, 1, 4, 5, 6],
      ),
    );
    return EXIT.ok;
  };
}

export function registerVersions(program: Command, cli: Cli): void {
  program
    .command('versions')
    .argument('<dataset_id>', 'the dataset')
    .description(COMMAND_SUMMARIES.versions.description)
    .addHelpText('after', RELATIVE_TIMES_HELP)
    .action((datasetId: string) => cli.run(listVersions({ ...cli.globals(), dataset_id: datasetId })));
}
