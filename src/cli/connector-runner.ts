import { basename, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import type { Stage } from '../contract/stage-types.js';
import { TOOL_VERSION } from '../tool-info.js';
import { addStageOptions, runStageCommand } from './commands/stage.js';
import type { GlobalOptions } from './io.js';
import { LEDGER_OPTION, processIo, ROOT_OPTION } from './io.js';
import { runCli } from './main.js';
import { EXIT_CODES_HELP } from './program.js';

/**
 * The body of every thin runner in connectors/<dataset_id>/ (ingest.ts, transform.ts, validate.ts):
 * the same stage as `kfm <stage> <dataset_id>`, with the dataset inferred from the runner's folder.
 */
export async function runConnectorStage(stage: Stage, runnerUrl: string): Promise<void> {
  const datasetId = basename(dirname(fileURLToPath(runnerUrl)));
  process.exitCode = await runCli(process.argv.slice(2), processIo(), (run) => {
    const command = new Command(`${datasetId}/${stage}`)
      .description(
        `KFM connector runner: ${stage} for dataset ${datasetId} (same as \`kfm ${stage} ${datasetId}\`)`,
      )
      .version(TOOL_VERSION)
      .option(...ROOT_OPTION)
      .option(...LEDGER_OPTION)
      .option('--json', 'machine-readable output on stdout')
      .option('--debug', 'show stack traces of errors')
      .addHelpText('after', EXIT_CODES_HELP);
    addStageOptions(command, stage).action(
      (flags: Pick<GlobalOptions, 'root' | 'ledger' | 'json' | 'debug'> & Record<string, unknown>) => {
        const { root, ledger, json, debug, ...seed } = flags;
        const globals = { root, ledger, json, debug } as GlobalOptions;
        return run(runStageCommand(stage, datasetId, seed, globals));
      },
    );
    return command;
  });
}
