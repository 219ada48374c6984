import type { Command } from 'commander';
import { EXIT } from '../../errors.js';
import { readSigningKey, signCheckpoint } from '../../ledger/tree-proofs.js';
import { COMMAND_SUMMARIES } from '../command-summaries.js';
import { type Cli, type CommandRun, type GlobalOptions, type Io, resolvePaths, writeJson } from '../io.js';
import { withLedger } from '../ledger-access.js';

export interface CheckpointOptions {
  key: string;
}

/** `kfm checkpoint`: signs the ledger's tree as a C2SP tlog-checkpoint, stores it and prints it. */
export function checkpoint(options: GlobalOptions & CheckpointOptions): CommandRun {
  return async (io) => {
    const signer = await readSigningKey(options.key, '--key');
    const signed = await withLedger(resolvePaths(options).ledger, {}, (door) => signCheckpoint(door, signer));
    if (options.json) writeJson(io, signed);
    else io.stdout(signed.note);
    return EXIT.ok;
  };
}

/**
 * KFM_SIGNING_KEY=<file>: a successful promote ends with a checkpoint, so every published version is
 * covered by a signed tree (`kfm bundle` needs one). A refusal (the history changed under the last
 * checkpoint) fails the command after the promote: it is news an operator must not miss.
 */
export async function checkpointAfterPromote(options: GlobalOptions, keyFile: string, io: Io): Promise<void> {
  const signer = await readSigningKey(keyFile, 'KFM_SIGNING_KEY');
  const signed = await withLedger(resolvePaths(options).ledger, {}, (door) => signCheckpoint(door, signer));
  io.stderr(
    `kfm: checkpoint of ${signed.size} events signed for ${signed.origin} (root ${signed.root_hash})\n`,
  );
}

export function registerCheckpoint(program: Command, cli: Cli): void {
  program
    .command('checkpoint')
    .description(COMMAND_SUMMARIES.checkpoint.description)
    .requiredOption('--key <file>', 'the signing key file (`kfm key generate`)')
    .addHelpText(
      'after',
      '\nRefuses to sign a tree that does not extend the last checkpoint it stored (TREE_TRUNCATED: events\nwere cut off; TREE_REWRITTEN: events under it changed). --json prints {origin, size, root_hash, note}.\nKFM_SIGNING_KEY=<file> makes every successful promote end with a checkpoint.\n\nExit codes: 0 signed, 1 TREE_TRUNCATED or TREE_REWRITTEN, 2 usage (a missing or malformed key, MIGRATION_REQUIRED), 4 I/O error.',
    )
    .action((opts: CheckpointOptions) => cli.run(checkpoint({ ...cli.globals(), ...opts })));
}
