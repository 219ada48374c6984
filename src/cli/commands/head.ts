import type { Command } from 'commander';
import { EXIT } from '../../errors.js';
import { COMMAND_SUMMARIES } from '../command-summaries.js';
import { type Cli, type CommandRun, type GlobalOptions, resolvePaths, writeJson } from '../io.js';
import { withLedger } from '../ledger-access.js';

export function printHead(options: GlobalOptions): CommandRun {
  return async (io) => {
    const head = await withLedger(resolvePaths(options).ledger, { readOnly: true }, (ledger) =>
      ledger.head(),
    );
    if (options.json) writeJson(io, head);
    else io.stdout(`${head.seq}:${head.hash}\n`);
    return EXIT.ok;
  };
}

export function registerHead(program: Command, cli: Cli): void {
  program
    .command('head')
    .description(COMMAND_SUMMARIES.head.description)
    .action(() => cli.run(printHead(cli.globals())));
}
