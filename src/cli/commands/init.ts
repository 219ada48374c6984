import { existsSync, mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Command } from 'commander';
import { EXIT } from '../../errors.js';
import { COMMAND_SUMMARIES } from '../command-summaries.js';
import { type Cli, type CommandRun, type GlobalOptions, resolvePaths, writeJson } from '../io.js';
import { withLedger } from '../ledger-access.js';

export const ZONES = ['registry', 'raw', 'work', 'processed', 'catalog'] as const;

export function initRoot(options: GlobalOptions): CommandRun {
  return async (io) => {
    const paths = resolvePaths(options, { creating: true });
    const created = ZONES.map((zone) => join(paths.root, 'data', zone)).filter((dir) => !existsSync(dir));
    for (const dir of created) mkdirSync(dir, { recursive: true });
    const ledgerExisted = existsSync(paths.ledger);
    const head = await withLedger(paths.ledger, { create: true }, (ledger) => ledger.head());
    const report = {
      root: paths.root,
      ledger: paths.ledger,
      created: created.map((dir) => relative(paths.root, dir)),
      ledger_created: !ledgerExisted,
      head,
    };
    if (options.json) writeJson(io, report);
    else {
      io.stdout(`kfm root ${paths.root}\n`);
      io.stdout(`  zones    data/{${ZONES.join(',')}}${created.length === 0 ? ' (already there)' : ''}\n`);
      io.stdout(
        `  ledger   ${paths.ledger} ${ledgerExisted ? `(existing, head seq ${head.seq})` : '(created)'}\n`,
      );
    }
    return EXIT.ok;
  };
}

export function registerInit(program: Command, cli: Cli): void {
  program
    .command('init')
    .description(COMMAND_SUMMARIES.init.description)
    .action(() => cli.run(initRoot(cli.globals())));
}
