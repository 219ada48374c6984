import type { Command } from 'commander';
import { EXIT } from '../../errors.js';
import type { ReadFilter } from '../../ledger/ledger-store.js';
import { COMMAND_SUMMARIES } from '../command-summaries.js';
import { type Cli, type CommandRun, type GlobalOptions, resolvePaths } from '../io.js';
import { withLedger } from '../ledger-access.js';
import { parseCount } from '../parse-args.js';

export interface LogOptions {
  dataset_id?: string;
  run_id?: string;
  type?: string;
  since_seq?: number;
  limit?: number;
}

const decoder = new TextDecoder();

/** Streams matching events: constant memory however long the ledger is. */
export function printLog(options: GlobalOptions & LogOptions): CommandRun {
  return async (io) => {
    const filter: ReadFilter = {
      ...(options.dataset_id === undefined ? {} : { dataset_id: options.dataset_id }),
      ...(options.run_id === undefined ? {} : { run_id: options.run_id }),
      ...(options.type === undefined ? {} : { type: options.type }),
      ...(options.since_seq === undefined ? {} : { from_seq: options.since_seq + 1 }),
      ...(options.limit === undefined ? {} : { limit: options.limit }),
    };
    await withLedger(resolvePaths(options).ledger, { readOnly: true }, async (ledger) => {
      if (!options.json)
        io.stdout(
          `${'SEQ'.padStart(7)}  ${'RECORDED_AT'.padEnd(24)}  ${'TYPE'.padEnd(26)}  ${'DATASET'.padEnd(24)}  ${'RUN'.padEnd(26)}  HASH\n`,
        );
      for await (const row of ledger.read(filter)) {
        if (options.json) {
          // The body is already canonical JSON; splice the hash in rather than re-serialising it.
          io.stdout(`${decoder.decode(row.body).slice(0, -1)},"hash":"${row.hash}"}\n`);
        } else {
          io.stdout(
            `${String(row.seq).padStart(7)}  ${row.recorded_at.padEnd(24)}  ${row.type.padEnd(26)}  ${row.dataset_id.padEnd(24)}  ${row.run_id.padEnd(26)}  ${row.hash.slice(0, 12)}\n`,
          );
        }
      }
    });
    return EXIT.ok;
  };
}

export function registerLog(program: Command, cli: Cli): void {
  program
    .command('log')
    .description(COMMAND_SUMMARIES.log.description)
    .option('--dataset_id <id>', 'only events of this dataset')
    .option('--run_id <id>', 'only events of this run')
    .option('--type <type>', 'only events of this type, e.g. raw.captured')
    .option(
      '--since_seq <n>',
      'only events after seq n (pass the last seq you saw)',
      parseCount('--since_seq'),
    )
    .option('--limit <n>', 'at most n events', parseCount('--limit'))
    .action((opts: LogOptions) => cli.run(printLog({ ...cli.globals(), ...opts })));
}
