import type { Command } from 'commander';
import { readSpec } from '../../contract/read-spec.js';
import { EXIT, KfmError } from '../../errors.js';
import { nodeSha256Hex } from '../../ledger/node-hasher.js';
import { specHash } from '../../ledger/pure/spec-hash.js';
import { COMMAND_SUMMARIES } from '../command-summaries.js';
import { type Cli, type CommandRun, type GlobalOptions, writeJson } from '../io.js';

export function printSpecHash(file: string, options: GlobalOptions): CommandRun {
  return async (io) => {
    const spec = await readSpec(file);
    let hash: string;
    try {
      hash = specHash(spec, nodeSha256Hex);
    } catch (error) {
      if (!(error instanceof KfmError)) throw error;
      throw new KfmError(error.code, `${file}: ${error.message}`, { details: { file, ...error.details } });
    }
    if (options.json) writeJson(io, { spec_hash: hash });
    else io.stdout(`${hash}\n`);
    return EXIT.ok;
  };
}

export function registerSpecHash(program: Command, cli: Cli): void {
  program
    .command('spec-hash')
    .description(COMMAND_SUMMARIES['spec-hash'].description)
    .argument('<file>', 'the run spec (.json, .yml or .yaml)')
    .action((file: string) => cli.run(printSpecHash(file, cli.globals())));
}
