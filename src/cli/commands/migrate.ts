import type { Command } from 'commander';
import { EXIT } from '../../errors.js';
import { COMMAND_SUMMARIES } from '../command-summaries.js';
import { type Cli, type CommandRun, type GlobalOptions, resolvePaths, writeJson } from '../io.js';
import { withLedger } from '../ledger-access.js';

export interface MigrateReport {
  ledger: string;
  /** The last migration the ledger had, and has now (schema versions are migration names). */
  from: string | null;
  to: string | null;
  /**
   * Migrations this run applied, in order; empty when the ledger was already current (or another
   * `kfm migrate` running at the same moment applied them: migrations serialise).
   */
  applied: string[];
  /** Whether the projection tables had to catch up with the events. */
  tables_synced: boolean;
}

/**
 * The one explicit upgrade: readers never migrate (they say MIGRATION_REQUIRED), so an operator
 * runs this, once, with write access. The ledger is first opened read-only, which refuses a file
 * that is no kfm ledger (LEDGER_UNREADABLE) or of a newer kfm before anything is written; then it
 * is opened as a writer opens it, which migrates and brings the projection tables up to date.
 */
export function migrateLedgerFile(options: GlobalOptions): CommandRun {
  return async (io) => {
    const target = resolvePaths(options).ledger;
    const before = await withLedger(target, { readOnly: true }, (ledger) => ledger.schemaStatus());
    // The door's name for the ledger: a file's path, or the URL without its password.
    const { path, ...after } = await withLedger(target, {}, async (ledger) => ({
      path: ledger.target,
      ...(await ledger.schemaStatus()),
    }));
    const report: MigrateReport = {
      ledger: path,
      from: before.applied.at(-1) ?? null,
      to: after.applied.at(-1) ?? null,
      applied: after.migrated,
      tables_synced: !before.tables_current,
    };
    if (options.json) writeJson(io, report);
    else if (report.applied.length > 0)
      io.stdout(
        `migrated ${path} from ${report.from} to ${report.to}: applied ${report.applied.join(', ')}\n`,
      );
    else if (report.tables_synced)
      io.stdout(`${path} is at schema ${report.to}; brought its projection tables up to date\n`);
    else io.stdout(`${path} is already at schema ${report.to}; nothing to do\n`);
    return EXIT.ok;
  };
}

export function registerMigrate(program: Command, cli: Cli): void {
  program
    .command('migrate')
    .description(COMMAND_SUMMARIES.migrate.description)
    .addHelpText(
      'after',
      '\nPrints the schema before and after (the last migration applied); idempotent. Refuses a missing,\nempty or non-kfm file (LEDGER_UNREADABLE) and a ledger of a newer kfm (LEDGER_SCHEMA_TOO_NEW).\n\nExit codes: 0 migrated or already current, 1 LEDGER_UNREADABLE, 2 LEDGER_SCHEMA_TOO_NEW, 4 I/O error.',
    )
    .action(() => cli.run(migrateLedgerFile(cli.globals())));
}
