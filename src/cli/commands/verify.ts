import type { Command } from 'commander';
import { EXIT, KfmError } from '../../errors.js';
import { nodeEventHasher } from '../../ledger/node-hasher.js';
import type { ChainHead } from '../../ledger/pure/seal-events.js';
import { type ChainReport, ChainVerifier } from '../../ledger/pure/verify-chain.js';
import type { SqliteLedger } from '../../ledger/sqlite-ledger.js';
import { type Cli, type CommandRun, type GlobalOptions, type Io, resolvePaths, writeJson } from '../io.js';
import { withLedger } from '../ledger-access.js';

export interface VerifyCommandOptions {
  anchor?: ChainHead[];
}

export function verifyLedgerChain(ledger: SqliteLedger, anchors: readonly ChainHead[] = []): ChainReport {
  const verifier = new ChainVerifier({ hasher: nodeEventHasher, anchors });
  for (const row of ledger.readEvents()) verifier.push(row);
  return verifier.finish();
}

export function verifyLedger(options: GlobalOptions & VerifyCommandOptions): CommandRun {
  return async (io) => {
    const paths = resolvePaths(options);
    const report = await withLedger(paths.ledger, {}, (ledger) => verifyLedgerChain(ledger, options.anchor));
    if (options.json) writeJson(io, report);
    else printReport(io, paths.ledger, report);
    return report.ok ? EXIT.ok : EXIT.integrity;
  };
}

function printReport(io: Io, ledger: string, report: ChainReport): void {
  if (report.ok) {
    io.stdout(`ok: ${report.events} events verified in ${ledger}\n`);
    io.stdout(`head seq ${report.head.seq} hash ${report.head.hash}\n`);
    return;
  }
  const total = report.failures.length + report.failures_omitted;
  io.stdout(`FAILED: ${total} integrity failure(s) in ${report.events} events of ${ledger}\n`);
  for (const f of report.failures) io.stdout(`  seq ${f.seq}  ${f.code}  ${f.message}\n`);
  if (report.failures_omitted > 0) io.stdout(`  … and ${report.failures_omitted} more\n`);
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
    .description(
      'verify the hash chain: every body hashes to its hash, prev links, gapless seq, columns, schemas',
    )
    .option(
      '--anchor <seq:hash>',
      'a head recorded earlier (`kfm head`); the ledger must still have that hash at that seq (repeatable)',
      parseAnchor,
    )
    .addHelpText('after', '\nExit codes: 0 intact, 1 integrity failure, 2 usage, 4 I/O error.')
    .action((opts: VerifyCommandOptions) => cli.run(verifyLedger({ ...cli.globals(), ...opts })));
}
