import type { Command } from 'commander';
import { renderProv } from '../../catalogs/prov.js';
import { EXIT } from '../../errors.js';
import { renderReceipt } from '../../projections/render-receipt.js';
import { COMMAND_SUMMARIES } from '../command-summaries.js';
import type { Cli, CommandRun, GlobalOptions } from '../io.js';
import { notFound, type QueryContext, readRunEvents, requireDataset, withQueries } from '../query-access.js';

export interface ProvOptions {
  dataset_id: string;
  run_id?: string;
}

/**
 * PROV-JSON of one run, rendered from its events exactly as promote renders
 * data/catalog/prov/<id>/run_<run_id>.json (same renderer, same operator, same key order), so for a
 * promoted run the output equals that file byte for byte. Default run: the latest promotion.
 */
export async function provDocument(ctx: QueryContext, datasetId: string, runId?: string): Promise<string> {
  await requireDataset(ctx, datasetId);
  const run =
    runId === undefined
      ? (await ctx.queries.runs({ dataset_id: datasetId }))
          .filter((r) => r.promotion_seq !== null)
          .sort((a, b) => a.promotion_seq! - b.promotion_seq!)
          .at(-1)
      : (await ctx.queries.runs({ dataset_id: datasetId, run_id: runId }))[0];
  if (run === undefined) {
    throw runId === undefined
      ? notFound(`${datasetId} has no promoted run; pass --run_id (see \`kfm runs ${datasetId}\`)`, {
          dataset_id: datasetId,
        })
      : notFound(`no run ${runId} of ${datasetId} in the ledger`, { dataset_id: datasetId, run_id: runId });
  }
  const events = await readRunEvents(ctx, datasetId, run.run_id);
  const operator = events.find((e) => e.type === 'run.started')?.actor.operator;
  return renderReceipt(renderProv(events, operator === undefined ? {} : { operator }));
}

export function printProv(options: GlobalOptions & ProvOptions): CommandRun {
  return async (io) => {
    // PROV-JSON is the answer with or without --json.
    io.stdout(await withQueries(options, (ctx) => provDocument(ctx, options.dataset_id, options.run_id)));
    return EXIT.ok;
  };
}

export function registerProv(program: Command, cli: Cli): void {
  program
    .command('prov')
    .argument('<dataset_id>', 'the dataset')
    .option('--run_id <id>', 'the run (default: the run of the latest promotion)')
    .description(COMMAND_SUMMARIES.prov.description)
    .action((datasetId: string, opts: { run_id?: string }) =>
      cli.run(printProv({ ...cli.globals(), ...opts, dataset_id: datasetId })),
    );
}
