import type { Command } from 'commander';
import { EXIT } from '../../errors.js';
import { replayProjections } from '../../replay/replay-projections.js';
import { zoneLayout } from '../../zones/zone-layout.js';
import { COMMAND_SUMMARIES } from '../command-summaries.js';
import { type Cli, type CommandRun, type GlobalOptions, resolvePaths, writeJson } from '../io.js';
import { withLedger } from '../ledger-access.js';

export interface ReplayOptions {
  check?: boolean;
}

/**
 * Rebuilds every projection from the events alone and compares it byte for byte with the files on
 * disk, and row by row with the projection tables (see replay/replay-projections.ts).
 */
export function replayLedger(options: GlobalOptions & ReplayOptions): CommandRun {
  return async (io) => {
    const paths = resolvePaths(options);
    // --check only reads: the ledger is opened read-only, as every reader's is.
    const report = await withLedger(paths.ledger, { readOnly: options.check === true }, (ledger) =>
      replayProjections(ledger, zoneLayout(paths.root), options.check === true),
    );
    const { files, rewritten, drift, rows: tableRows, rows_rewritten, row_drift } = report;
    if (options.json) writeJson(io, report);
    else {
      if (rewritten > 0) io.stdout(`rewrote ${rewritten} projected file(s) from the ledger\n`);
      if (rows_rewritten > 0)
        io.stdout(`rebuilt the projection tables: ${rows_rewritten} row(s) differed from the ledger\n`);
      if (report.ok)
        io.stdout(
          `ok: ${files} projected files and ${tableRows} table rows equal their replay of ${report.events} events\n`,
        );
      else {
        io.stdout(
          `DRIFT: ${drift.length} of ${files} projected files and ${row_drift.length} of ${tableRows} table rows differ from their replay\n`,
        );
        for (const d of drift)
          io.stdout(`  ${d.path}  expected ${d.expected_sha256}  found ${d.found_sha256 ?? '(missing)'}\n`);
        for (const d of row_drift)
          io.stdout(
            `  table ${d.table} row ${d.key}  expected ${d.expected_sha256 ?? '(no row)'}  found ${d.found_sha256 ?? '(missing)'}\n`,
          );
      }
    }
    return report.ok ? EXIT.ok : EXIT.integrity;
  };
}

export function registerReplay(program: Command, cli: Cli): void {
  program
    .command('replay')
    .description(COMMAND_SUMMARIES.replay.description)
    .option(
      '--check',
      'compare only: list every file and table row that differs from its replay (exit 1), write nothing',
    )
    .action((opts: ReplayOptions) => cli.run(replayLedger({ ...cli.globals(), ...opts })));
}
