import { closeSync, fchmodSync, fsyncSync, openSync, realpathSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { EXIT, KfmError } from '../../errors.js';
import { newEd25519Seed, nodeEd25519 } from '../../tlog/node-ed25519.js';
import {
  checkKeyName,
  formatKeyId,
  formatSignerKey,
  formatVerifierKey,
  keyIdOf,
} from '../../tlog/note-keys.js';
import { isInside } from '../../zones/zone-layout.js';
import { COMMAND_SUMMARIES } from '../command-summaries.js';
import { type Cli, type CommandRun, type GlobalOptions, resolvePaths, writeJson } from '../io.js';
import { withLedger } from '../ledger-access.js';

export interface KeyGenerateOptions {
  name?: string;
  out: string;
}

/** The default origin: `kfm.local/<ledger id>`, the id made once when the ledger's schema was created. */
async function defaultName(options: GlobalOptions): Promise<string> {
  try {
    return `kfm.local/${await withLedger(resolvePaths(options).ledger, { readOnly: true }, (door) => door.ledgerId())}`;
  } catch (error) {
    if (!(error instanceof KfmError)) throw error;
    throw new KfmError(
      'USAGE',
      `no --name given and no ledger id to default to (${error.message}); give --name <origin> or run in a root`,
      { cause: error },
    );
  }
}

/** The real path of `path`, or of its nearest existing ancestor, so a symlink cannot hide where it lands. */
function realLocation(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    const parent = dirname(path);
    return parent === path ? path : join(realLocation(parent), path.slice(parent.length));
  }
}

/**
 * The key must not live beside the ledger: whoever can copy the ledger could then sign whatever
 * history they like, and a checkpoint is worth only what its key's secrecy is worth.
 */
function refuseInsideLedger(out: string, root: string): void {
  if (isInside(realLocation(join(root, 'ledger')), realLocation(out)))
    throw new KfmError(
      'USAGE',
      `--out ${out} is inside the ledger folder ${join(root, 'ledger')}: keep the signing key elsewhere, readable only by the operator`,
      { details: { path: out } },
    );
}

/** Creates `path` with mode 0600 and the key text; never replaces an existing file. */
function writeKeyFile(path: string, text: string): void {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST')
      throw new KfmError(
        'USAGE',
        `--out ${path} already exists: a key is never overwritten; choose a new file`,
        {
          details: { path },
        },
      );
    if (code === 'ENOENT')
      throw new KfmError('IO', `--out ${path}: the folder ${dirname(path)} does not exist; create it first`, {
        details: { path },
      });
    throw error;
  }
  try {
    // The umask may only remove bits from 0600; make the mode exact regardless.
    fchmodSync(fd, 0o600);
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * `kfm key generate`: a new Ed25519 signing key in the C2SP signed-note text form, written once to
 * a new file; prints the verifier key auditors use to check checkpoints signed with it.
 */
export function generateKey(options: GlobalOptions & KeyGenerateOptions): CommandRun {
  return async (io) => {
    const name = options.name ?? (await defaultName(options));
    checkKeyName(name);
    const path = resolve(options.out);
    refuseInsideLedger(path, resolvePaths(options).root);
    const seed = newEd25519Seed();
    const publicKey = nodeEd25519.publicKey(seed);
    writeKeyFile(path, `${formatSignerKey(name, seed, nodeEd25519)}\n`);
    const vkey = formatVerifierKey(name, publicKey);
    if (options.json) {
      writeJson(io, {
        name,
        key_id: formatKeyId(keyIdOf(name, publicKey)),
        vkey,
        path,
      });
      return EXIT.ok;
    }
    io.stdout(`${vkey}\n`);
    io.stderr(
      `kfm: signing key written to ${path} (mode 0600); keep it secret and backed up.\n` +
        'kfm: publish the verifier key above: auditors check checkpoints signed with this key against it.\n',
    );
    return EXIT.ok;
  };
}

export function registerKey(program: Command, cli: Cli): void {
  const key = program.command('key').description(COMMAND_SUMMARIES.key.description);
  key
    .command('generate')
    .description(
      'write a new Ed25519 signing key (C2SP signed-note form, mode 0600) to a new file outside the ledger folder and print its verifier key',
    )
    .option(
      '--name <origin>',
      "the log origin the key signs for, e.g. kfm.example.org/ledger (no spaces or +); default: kfm.local/<ledger id> of this root's ledger",
    )
    .requiredOption('--out <file>', 'the new key file (never overwritten; not inside <root>/ledger/)')
    .action((opts: KeyGenerateOptions) => cli.run(generateKey({ ...cli.globals(), ...opts })));
}
