import { Command, Option } from 'commander';
import { TOOL_VERSION } from '../tool-info.js';
import { registerAppend } from './commands/append.js';
import { registerDemo } from './commands/demo.js';
import { registerHead } from './commands/head.js';
import { registerInit } from './commands/init.js';
import { registerLog } from './commands/log.js';
import { registerRegistry } from './commands/registry.js';
import { registerReplay } from './commands/replay.js';
import { registerSpecHash } from './commands/spec-hash.js';
import { registerStages } from './commands/stage.js';
import { registerVerify } from './commands/verify.js';
import type { Cli, CommandRun, GlobalOptions } from './io.js';

export const EXIT_CODES_HELP = `
Exit codes:
  0  ok
  1  integrity failure (verify found tampering or drift)
  2  usage or invalid input (nothing written)
  3  gate denied (validation failed / promotion denied; recorded in the ledger)
  4  upstream or I/O failure`;

/** Builds the `kfm` program; `run` receives each command's work so main.ts owns errors and exit. */
export function buildProgram(run: (command: CommandRun) => Promise<void>): Command {
  const program = new Command('kfm')
    .description('kfm-ledger: hash-chained lineage ledger for governed dataset connectors')
    .version(TOOL_VERSION)
    .option('--root <dir>', 'the KFM root holding data/ and ledger/ (default: current directory)')
    .option('--ledger <path>', 'the ledger file (default: <root>/ledger/kfm.sqlite)')
    .option('--json', 'machine-readable output on stdout')
    .addOption(new Option('--debug', 'show stack traces of errors'))
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', EXIT_CODES_HELP);
  const cli: Cli = { globals: () => program.opts<GlobalOptions>(), run };
  for (const register of [
    registerInit,
    registerAppend,
    registerVerify,
    registerHead,
    registerLog,
    registerSpecHash,
    registerRegistry,
    registerStages,
    registerReplay,
    registerDemo,
  ]) {
    register(program, cli);
  }
  return program;
}
