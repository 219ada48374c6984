import type { Command } from 'commander';
import type { DeepReport } from '../../audit/deep-verify.js';
import { NO_PROGRESS, type Progress, progressBar } from '../../audit/progress-bar.js';
import { EXIT, KfmError } from '../../errors.js';
import { GENESIS_HASH } from '../../events/constants.js';
import type { StorageFailure } from '../../ledger/ledger-door.js';
import type { ChainHead } from '../../ledger/pure/seal-events.js';
import type { ChainReport } from '../../ledger/pure/verify-chain.js';
import { AUTO_THREADS_FROM_EVENTS } from '../../ledger/sqlite/parallel-verify.js';
import { COMMAND_SUMMARIES } from '../command-summaries.js';
import { type Cli, type CommandRun, type GlobalOptions, type Io, resolvePaths, writeJson } from '../io.js';
import { withLedger } from '../ledger-access.js';
import { type CheckpointFailure, type CheckpointOptions, checkpointFailures } from '../verify-checkpoints.js';
import { collect } from './verify-proof.js';

export interface VerifyCommandOptions extends CheckpointOptions {
  anchor?: ChainHead[];
  deep?: boolean;
  threads?: number | 'auto';
}

/** How --deep draws progress on a terminal; a parameter so a test can draw without the delay. */
export type ProgressFactory = (write: (text: string) => void, columns: number | undefined) => Progress;

/** What `kfm verify` reports: the chain (or deep) report, plus SQLite's own check of the file. */
export interface VerifyReport extends Omit<ChainReport, 'failures'> {
  /** With --deep: files hashed or compared with their replay. */
  files?: number;
  failures: (DeepReport['failures'][number] | StorageFailure | CheckpointFailure)[];
}

export function verifyLedger(
  options: GlobalOptions & VerifyCommandOptions,
  makeProgress: ProgressFactory = (write, columns) =>
    progressBar(write, columns === undefined ? {} : { columns }),
): CommandRun {
  return async (io) => {
    if (options.deep && options.threads !== undefined) {
      // Refused rather than ignored: --deep checks the replay invariants in the same single pass.
      throw new KfmError('USAGE', '--threads applies to the chain check alone; --deep verifies in one pass');
    }
    const paths = resolvePaths(options);
    const deep = options.deep === true;
    // The bar is for people watching a terminal: never with --json, never into a pipe or a log.
    const progress =
      deep && io.isTTY && !options.json ? makeProgress(io.stderr, io.stderrColumns) : NO_PROGRESS;
    const anchors = options.anchor ?? [];
    const chainReport = await reportingDamage(deep, () =>
      withLedger(paths.ledger, { readOnly: true }, async (ledger): Promise<VerifyReport> => {
        const storage = await ledger.checkStorage(deep);
        // The chain is still checked on a damaged file, as far as its rows can be read.
        const chain = await reportingDamage(deep, () =>
          deep
            ? // Loaded only for --deep: the file checks bring the whole contract (catalogs, profiles …).
              import('../verify-deep.js').then(({ verifyDeep }) =>
                verifyDeep(ledger, paths.root, anchors, progress),
              )
            : ledger.verifyChain({ anchors, threads: options.threads ?? 'auto' }),
        );
        if (storage.length === 0) return chain;
        return { ...chain, ok: false, failures: [...storage, ...chain.failures] };
      }),
    );
    const kept = await checkpointFailures(options);
    const report =
      kept.length === 0
        ? chainReport
        : { ...chainReport, ok: false, failures: [...chainReport.failures, ...kept] };
    if (options.json) writeJson(io, report);
    else printReport(io, paths.ledger, report);
    return report.ok ? EXIT.ok : EXIT.integrity;
  };
}

/**
 * A file too damaged to open or read to the end is a finding (STORAGE_CORRUPT in the report, exit
 * 1, `--json` alike), not a crash: SQLite's message says what it met.
 */
async function reportingDamage(deep: boolean, verify: () => Promise<VerifyReport>): Promise<VerifyReport> {
  try {
    return await verify();
  } catch (error) {
    if (!(error instanceof KfmError) || error.code !== 'STORAGE_CORRUPT') throw error;
    return {
      ok: false,
      events: 0,
      head: { seq: 0, hash: GENESIS_HASH },
      ...(deep ? { files: 0 } : {}),
      failures: [{ code: 'STORAGE_CORRUPT', message: `reading the ledger stopped: ${error.message}` }],
      failures_omitted: 0,
    };
  }
}

function printReport(io: Io, ledger: string, report: VerifyReport): void {
  const files = 'files' in report ? `, ${report.files} files checked against the ledger and its replay` : '';
  if (report.ok) {
    io.stdout(`ok: ${report.events} events verified in ${ledger}${files}\n`);
    io.stdout(`head seq ${report.head.seq} hash ${report.head.hash}\n`);
    return;
  }
  const total = report.failures.length + report.failures_omitted;
  io.stdout(`FAILED: ${total} integrity failure(s) in ${report.events} events of ${ledger}${files}\n`);
  for (const f of report.failures) {
    // A deep finding names its event, its file, or both (a raw file and the capture that recorded it).
    const where = ['seq' in f && f.seq !== undefined ? `seq ${f.seq}` : '', 'path' in f ? (f.path ?? '') : '']
      .filter((w) => w !== '')
      .join('  ');
    io.stdout(`  ${where}  ${f.code}  ${f.message}\n`);
  }
  if (report.failures_omitted > 0) io.stdout(`  … and ${report.failures_omitted} more\n`);
}

function parseThreads(value: string): number | 'auto' {
  if (value === 'auto') return 'auto';
  const threads = Number(value);
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) {
    throw new KfmError('USAGE', `--threads ${value}: expected auto or a whole number from 1 to 64`);
  }
  return threads;
}

/** Parses `<seq>:<hash>`, the form `kfm head` prints, as an anchor. */
export function parseAnchor(value: string, previous: ChainHead[] = []): ChainHead[] {
  const match = /^(\d+):([0-9a-f]{64})$/.exec(value);
  if (match === null) {
    throw new KfmError(
      'USAGE',
      `--anchor ${value}: expected <seq>:<64 hex hash>, as printed by \`kfm head\``,
    );
  }
  return [...previous, { seq: Number(match[1]), hash: match[2]! }];
}

export function registerVerify(program: Command, cli: Cli): void {
  program
    .command('verify')
    .description(COMMAND_SUMMARIES.verify.description)
    .option(
      '--deep',
      'also check replay invariants, re-hash every raw and processed file, and compare receipts and catalogs with their replay',
    )
    .option(
      '--anchor <seq:hash>',
      'a head recorded earlier (`kfm head`); the ledger must still have that hash at that seq (repeatable)',
      parseAnchor,
    )
    .option(
      '--checkpoint <note>',
      'a signed checkpoint kept earlier (`kfm checkpoint`): the tree over the events must still have its root at its size (repeatable; needs --vkey)',
      collect,
    )
    .option(
      '--vkey <vkey>',
      'a trusted verifier key of the log that signed the checkpoints (repeatable)',
      collect,
    )
    .option(
      '--threads <n|auto>',
      `split the chain check by seq in n parts, the report is the same: on SQLite n threads, ≈ 40 MB each (auto: 2 from ${AUTO_THREADS_FROM_EVENTS.toLocaleString('en-US')} events when there are 2 cores, else 1); on PostgreSQL n connections read at once (auto: 4 from 10,000 events)`,
      parseThreads,
    )
    .addHelpText(
      'after',
      '\nAlso checks the storage: on SQLite PRAGMA quick_check (--deep: integrity_check) of the file; on\nPostgreSQL that events holds exactly the seqs 1..head and the append-only triggers are on (README,\nScaling out). Damage is STORAGE_CORRUPT. Opens the ledger\nread-only: never creates, migrates or changes it; a missing, empty or non-kfm ledger is LEDGER_UNREADABLE.\n\n--checkpoint failures: CHECKPOINT_INVALID (bad signature, unknown key, mangled note), TREE_TRUNCATED,\nTREE_REWRITTEN; the tree is recomputed from the event bodies.\n\nExit codes: 0 intact, 1 integrity failure (also LEDGER_UNREADABLE, STORAGE_CORRUPT), 2 usage, 4 I/O error.',
    )
    .action((opts: VerifyCommandOptions) => cli.run(verifyLedger({ ...cli.globals(), ...opts })));
}
