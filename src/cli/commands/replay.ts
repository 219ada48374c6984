import type { Command } from 'commander';
import { projectAllFiles } from '../../contract/projected-files.js';
import { findDrift } from '../../contract/replay/check-projections.js';
import { EXIT, KfmError } from '../../errors.js';
import { nodeSha256Hex } from '../../ledger/node-hasher.js';
import { projectRows } from '../../ledger/pure/projection-columns.js';
import { countRows, diffProjectionRows, type RowDrift } from '../../ledger/pure/projection-drift.js';
import type { SqliteLedger } from '../../ledger/sqlite-ledger.js';
import { decodeEvent, type LedgerEvent } from '../../projections/ledger-event.js';
import { zoneLayout } from '../../zones/zone-layout.js';
import { createZoneWriter } from '../../zones/zone-writer.js';
import { type Cli, type CommandRun, type GlobalOptions, resolvePaths, writeJson } from '../io.js';
import { withLedger } from '../ledger-access.js';

export interface ReplayOptions {
  check?: boolean;
}

interface TableReplay {
  rows: number;
  rows_rewritten: number;
  row_drift: RowDrift[];
}

/**
 * The projection tables against the same pure reducers applied to every event in memory; without
 * --check they are first emptied and refilled from the events (they are caches, never the truth).
 */
function replayTables(ledger: SqliteLedger, events: readonly LedgerEvent[], check: boolean): TableReplay {
  const tables = ledger.projections;
  if (tables === null)
    throw new KfmError('IO', 'the ledger has no projection tables; open it with this kfm to migrate it');
  const expected = projectRows(events);
  const before = diffProjectionRows(expected, tables.rows(), nodeSha256Hex);
  if (!check) tables.rebuild();
  const row_drift = check ? before : diffProjectionRows(expected, tables.rows(), nodeSha256Hex);
  return { rows: countRows(expected), rows_rewritten: check ? 0 : before.length, row_drift };
}

/**
 * Rebuilds every projection from the events alone and compares it byte for byte with the files on
 * disk, and row by row with the projection tables. Without --check it first rewrites them
 * (receipts, raw manifests and checksums, catalogs, tables); never raw or processed data, never the
 * ledger's events.
 */
export function replayLedger(options: GlobalOptions & ReplayOptions): CommandRun {
  return async (io) => {
    const paths = resolvePaths(options);
    const layout = zoneLayout(paths.root);
    const { events, tables } = await withLedger(paths.ledger, {}, (ledger) => {
      const read = [...ledger.readEvents()].map(decodeEvent);
      return { events: read, tables: replayTables(ledger, read, options.check === true) };
    });
    const files = projectAllFiles(events, nodeSha256Hex);
    let rewritten = 0;
    if (!options.check) {
      const writer = createZoneWriter(layout, ['raw', 'work', 'catalog']);
      for (const { file } of await findDrift(layout, files)) {
        await writer.writeFile(file.zone, file.path, file.content);
        rewritten++;
      }
    }
    const drift = (await findDrift(layout, files)).map(({ file: _, ...d }) => d);
    const ok = drift.length === 0 && tables.row_drift.length === 0;
    const report = { ok, events: events.length, files: files.length, rewritten, drift, ...tables };
    if (options.json) writeJson(io, report);
    else {
      if (rewritten > 0) io.stdout(`rewrote ${rewritten} projected file(s) from the ledger\n`);
      if (tables.rows_rewritten > 0)
        io.stdout(
          `rebuilt the projection tables: ${tables.rows_rewritten} row(s) differed from the ledger\n`,
        );
      if (report.ok)
        io.stdout(
          `ok: ${files.length} projected files and ${tables.rows} table rows equal their replay of ${events.length} events\n`,
        );
      else {
        io.stdout(
          `DRIFT: ${drift.length} of ${files.length} projected files and ${tables.row_drift.length} of ${tables.rows} table rows differ from their replay\n`,
        );
        for (const d of drift)
          io.stdout(`  ${d.path}  expected ${d.expected_sha256}  found ${d.found_sha256 ?? '(missing)'}\n`);
        for (const d of tables.row_drift)
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
    .description(
      'rebuild receipts, raw manifests/checksums, catalogs and projection tables from the events and rewrite them (never raw or processed data, never the ledger events); exit 1 on drift that remains',
    )
    .option(
      '--check',
      'compare only: list every file and table row that differs from its replay (exit 1), write nothing',
    )
    .action((opts: ReplayOptions) => cli.run(replayLedger({ ...cli.globals(), ...opts })));
}
