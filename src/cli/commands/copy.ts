import { existsSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { openKfmLedger } from '../../compose/open-kfm-ledger.js';
import { EXIT } from '../../errors.js';
import { copyLedger } from '../../ledger/copy-ledger.js';
import { isLedgerUrl, type LedgerDoor, parseLedgerTarget } from '../../ledger/ledger-door.js';
import { kfmActor } from '../../tool-info.js';
import { COMMAND_SUMMARIES } from '../command-summaries.js';
import { type Cli, type CommandRun, type GlobalOptions, type Io, resolvePaths, writeJson } from '../io.js';

/** A target named on the command line: a URL as given, a path resolved against the working directory. */
function commandLineTarget(target: string): string {
  return isLedgerUrl(target) ? target : resolve(target);
}

/**
 * An SQLite target file this copy creates, removed again (with its -wal and -shm) if the copy
 * fails: a refused copy leaves no new ledger behind. Null when the target exists or is no file.
 */
function createdFile(to: string): string | null {
  const target = parseLedgerTarget(to);
  return target.backend === 'sqlite' && !existsSync(target.path) ? target.path : null;
}

function copyBetween(options: GlobalOptions, from: string, to: string): CommandRun {
  return async (io: Io) => {
    const opened: LedgerDoor[] = [];
    const created = createdFile(to);
    let copied = false;
    try {
      const source = await openKfmLedger(from, { actor: kfmActor(), readOnly: true });
      opened.push(source);
      const target = await openKfmLedger(to, { actor: kfmActor(), create: true });
      opened.push(target);
      const report = await copyLedger(source, target);
      copied = true;
      if (options.json) writeJson(io, report);
      else
        io.stdout(
          `copied ${report.events} events from ${report.from} to ${report.to}; head ${report.head.seq}:${report.head.hash}\n`,
        );
      return EXIT.ok;
    } finally {
      for (const door of opened.reverse()) await door.close();
      if (!copied && created !== null) {
        for (const suffix of ['', '-wal', '-shm']) rmSync(`${created}${suffix}`, { force: true });
      }
    }
  };
}

const COPY_HELP = `
Targets: a file path or sqlite:<path> (SQLite; created if missing), or postgres://user@host:port/db
(PostgreSQL; the database must exist, kfm creates its tables). The copy streams every event up to
the source's head, verifies each as it arrives (hash of its body, link to the one before, columns),
and writes in one transaction: the target's head afterwards equals the source's. A target that
already has events is refused (LEDGER_NOT_EMPTY); a row failing verification aborts the copy with
nothing written (COPY_VERIFY_FAILED). This root's ledger is --ledger, else KFM_LEDGER_URL, else
<root>/ledger/kfm.sqlite.

Exit codes: 0 copied, 1 COPY_VERIFY_FAILED, 2 LEDGER_NOT_EMPTY or a missing source, 4 I/O error
(e.g. PostgreSQL unreachable).`;

export function registerCopy(program: Command, cli: Cli): void {
  program
    .command('export')
    .description(COMMAND_SUMMARIES.export.description)
    .requiredOption('--to <target>', 'where to copy to: a path, sqlite:<path> or postgres://…')
    .addHelpText('after', COPY_HELP)
    .action((opts: { to: string }) => {
      const globals = cli.globals();
      return cli.run(copyBetween(globals, resolvePaths(globals).ledger, commandLineTarget(opts.to)));
    });
  program
    .command('import')
    .description(COMMAND_SUMMARIES.import.description)
    .requiredOption('--from <source>', 'where to copy from: a path, sqlite:<path> or postgres://…')
    .addHelpText('after', COPY_HELP)
    .action((opts: { from: string }) => {
      const globals = cli.globals();
      return cli.run(copyBetween(globals, commandLineTarget(opts.from), resolvePaths(globals).ledger));
    });
}
