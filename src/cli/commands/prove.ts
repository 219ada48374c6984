import type { Command } from 'commander';
import { EXIT, KfmError } from '../../errors.js';
import type { LedgerDoor } from '../../ledger/ledger-door.js';
import { consistencyProof, inclusionProof } from '../../ledger/tree-proofs.js';
import { queryReadModels } from '../../projections/read-model-queries.js';
import { COMMAND_SUMMARIES } from '../command-summaries.js';
import { type Cli, type CommandRun, type GlobalOptions, resolvePaths, writeJson } from '../io.js';
import { withLedger } from '../ledger-access.js';

const SEQ = /^[1-9][0-9]*$/;
const EVENT_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

function size(flag: string, value: string): number {
  if (!SEQ.test(value) || !Number.isSafeInteger(Number(value)))
    throw new KfmError('USAGE', `${flag} ${value}: expected a tree size, a whole number from 1`);
  return Number(value);
}

/** The seq an inclusion proof is asked for: a seq, an event id, or a version id (its version.published). */
async function seqOf(door: LedgerDoor, ref: string): Promise<number> {
  if (SEQ.test(ref)) return size('seq', ref);
  const queries = await queryReadModels(door);
  if (EVENT_ID.test(ref)) {
    const seq = await queries.seqOfEventId(ref);
    if (seq !== null) return seq;
  } else {
    const versions = await queries.versionsById(ref);
    if (versions.length === 1) return versions[0]!.seq;
    if (versions.length > 1)
      throw new KfmError(
        'USAGE',
        `version ${ref} was published by ${versions.length} datasets (${versions.map((v) => v.dataset_id).join(', ')}); name the event by its seq`,
        { details: { version_id: ref, seqs: versions.map((v) => v.seq) } },
      );
  }
  throw new KfmError('NOT_FOUND', `${ref} is no seq, event id or version id in the ledger; see \`kfm log\``, {
    details: { ref },
  });
}

export function proveInclusionOf(ref: string, options: GlobalOptions & { size?: string }): CommandRun {
  return async (io) => {
    const proof = await withLedger(resolvePaths(options).ledger, { readOnly: true }, async (door) =>
      inclusionProof(
        door,
        await seqOf(door, ref),
        options.size === undefined ? undefined : size('--size', options.size),
      ),
    );
    writeJson(io, proof);
    return EXIT.ok;
  };
}

export function proveConsistencyOf(
  oldSize: string,
  newSize: string | undefined,
  options: GlobalOptions,
): CommandRun {
  return async (io) => {
    const proof = await withLedger(resolvePaths(options).ledger, { readOnly: true }, (door) =>
      consistencyProof(
        door,
        size('old size', oldSize),
        newSize === undefined ? undefined : size('new size', newSize),
      ),
    );
    writeJson(io, proof);
    return EXIT.ok;
  };
}

const EXITS =
  '\nExit codes: 0 printed, 2 usage (a size or seq outside the tree, an unknown ref, MIGRATION_REQUIRED), 4 I/O error.';

export function registerProve(program: Command, cli: Cli): void {
  const prove = program.command('prove').description(COMMAND_SUMMARIES.prove.description);
  prove
    .command('inclusion')
    .description(
      'prove that an event is in the tree: {index, tree_size, leaf_hash, root_hash, proof} (entry index = seq - 1)',
    )
    .argument('<ref>', 'the event: its seq, its event id, or a version id (its version.published event)')
    .option('--size <n>', 'the tree size to prove against (default: the whole tree)')
    .addHelpText('after', EXITS)
    .action((ref: string, opts: { size?: string }) =>
      cli.run(proveInclusionOf(ref, { ...cli.globals(), ...opts })),
    );
  prove
    .command('consistency')
    .description(
      'prove that the tree of <old> entries is a prefix of the tree of <new> (default: the whole tree): {old_size, new_size, old_root, new_root, proof}',
    )
    .argument('<old>', 'the older tree size (at least 1)')
    .argument('[new]', 'the newer tree size (default: the whole tree)')
    .addHelpText('after', EXITS)
    .action((oldSize: string, newSize: string | undefined) =>
      cli.run(proveConsistencyOf(oldSize, newSize, cli.globals())),
    );
}
