import type { Command } from 'commander';
import { recoverLedger } from '../../contract/recover-ledger.js';
import { checkDatasetId, DEFAULT_WAIT_SECONDS, parseWait } from '../../contract/stage-request.js';
import { EXIT } from '../../errors.js';
import { registryDirOf } from '../../registry/load-registry.js';
import { zoneLayout } from '../../zones/zone-layout.js';
import { COMMAND_SUMMARIES } from '../command-summaries.js';
import { type Cli, type CommandRun, type GlobalOptions, resolvePaths, writeJson } from '../io.js';
import { withLedger } from '../ledger-access.js';

export interface RecoverOptions {
  wait?: string;
}

/**
 * Closes the stage runs a killed process left open (INTERRUPTED), removes the files it left and
 * rewrites the projections they affect; see contract/recover-dataset.ts.
 */
export function recoverCommand(
  datasetId: string | undefined,
  options: GlobalOptions & RecoverOptions,
): CommandRun {
  return async (io) => {
    if (datasetId !== undefined) checkDatasetId(datasetId);
    const waitSeconds = parseWait(options.wait);
    const paths = resolvePaths(options);
    const outcome = await withLedger(
      paths.ledger,
      datasetId === undefined ? {} : { connector: datasetId },
      (ledger) =>
        recoverLedger({
          ledger,
          layout: zoneLayout(paths.root),
          registryDir: registryDirOf(paths.root),
          datasetId: datasetId ?? null,
          waitSeconds,
          warn: (text) => io.stderr(`kfm recover: ${text}\n`),
        }),
    );
    if (options.json) writeJson(io, outcome);
    else {
      for (const d of outcome.datasets) {
        const did = d.closed.length + d.removed.length + d.rewritten.length;
        io.stdout(
          did === 0
            ? `${d.dataset_id}: nothing to recover\n`
            : `${d.dataset_id}: closed ${d.closed.length} interrupted run(s), removed ${d.removed.length} leftover file(s), rewrote ${d.rewritten.length} projected file(s)\n`,
        );
      }
      if (outcome.removed_shared.length > 0)
        io.stdout(`shared catalog: removed ${outcome.removed_shared.length} leftover temp file(s)\n`);
    }
    return EXIT.ok;
  };
}

export function registerRecover(program: Command, cli: Cli): void {
  program
    .command('recover')
    .description(COMMAND_SUMMARIES.recover.description)
    .argument(
      '[dataset_id]',
      'the dataset to recover (default: every dataset of the ledger and the registry)',
    )
    .option(
      '--wait <seconds>',
      `wait this long for a running stage to end (default ${DEFAULT_WAIT_SECONDS}), then exit 2 DATASET_BUSY`,
    )
    .action((datasetId: string | undefined, opts: RecoverOptions) =>
      cli.run(recoverCommand(datasetId, { ...cli.globals(), ...opts })),
    );
}
