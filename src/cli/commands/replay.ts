import type { Command } from 'commander';
import { projectAllFiles } from '../../contract/projected-files.js';
import { findDrift } from '../../contract/replay/check-projections.js';
import { EXIT } from '../../errors.js';
import { nodeSha256Hex } from '../../ledger/node-hasher.js';
import { decodeEvent } from '../../projections/ledger-event.js';
import { zoneLayout } from '../../zones/zone-layout.js';
import { createZoneWriter } from '../../zones/zone-writer.js';
import { type Cli, type CommandRun, type GlobalOptions, resolvePaths, writeJson } from '../io.js';
import { withLedger } from '../ledger-access.js';

export interface ReplayOptions {
  check?: boolean;
}

/**
 * Rebuilds every projection from the events alone and compares it byte for byte with the files on
 * disk. Without --check it first rewrites them (receipts, raw manifests and checksums, catalogs);
 * never raw or processed data, never the ledger.
 */
export function replayLedger(options: GlobalOptions & ReplayOptions): CommandRun {
  return async (io) => {
    const paths = resolvePaths(options);
    const layout = zoneLayout(paths.root);
    const events = await withLedger(paths.ledger, {}, (ledger) => [...ledger.readEvents()].map(decodeEvent));
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
    const report = { ok: drift.length === 0, events: events.length, files: files.length, rewritten, drift };
    if (options.json) writeJson(io, report);
    else {
      if (rewritten > 0) io.stdout(`rewrote ${rewritten} projected file(s) from the ledger\n`);
      if (report.ok)
        io.stdout(`ok: ${files.length} projected files equal their replay of ${events.length} events\n`);
      else {
        io.stdout(`DRIFT: ${drift.length} of ${files.length} projected files differ from their replay\n`);
        for (const d of drift)
          io.stdout(`  ${d.path}  expected ${d.expected_sha256}  found ${d.found_sha256 ?? '(missing)'}\n`);
      }
    }
    return report.ok ? EXIT.ok : EXIT.integrity;
  };
}

export function registerReplay(program: Command, cli: Cli): void {
  program
    .command('replay')
    .description(
      'rebuild receipts, raw manifests/checksums and catalogs from the events and rewrite them (never raw or processed data, never the ledger); exit 1 on drift that remains',
    )
    .option(
      '--check',
      'compare only: list every file whose bytes differ from its replay (exit 1), write nothing',
    )
    .action((opts: ReplayOptions) => cli.run(replayLedger({ ...cli.globals(), ...opts })));
}
