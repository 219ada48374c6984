import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { EXIT, KfmError } from '../../errors.js';
import { utf8Bytes } from '../../tlog/bytes.js';
import { type Checkpoint, openCheckpoint } from '../../tlog/checkpoint.js';
import { nodeEd25519 } from '../../tlog/node-ed25519.js';
import { nodeTreeHasher } from '../../tlog/node-tree-hasher.js';
import { type NoteVerifier, parseVerifierKey } from '../../tlog/note-keys.js';
import { checkProofJson, parseProofJson } from '../../tlog/proof-json.js';
import { TLOG_PROOF_HEADER, verifyTlogProof } from '../../tlog/tlog-proof.js';
import { COMMAND_SUMMARIES } from '../command-summaries.js';
import { type Cli, type CommandRun, type GlobalOptions, type Io, writeJson } from '../io.js';
import { readInput } from '../read-input.js';

export interface VerifyProofOptions {
  entry?: string;
  checkpoint?: string;
  vkey?: string[];
  origin?: string;
}

/** What was checked and, when it does not hold, the failure code and a sentence naming it. */
interface Outcome {
  ok: boolean;
  kind: 'inclusion' | 'consistency' | 'tlog-proof';
  failure?: string;
  message?: string;
}

export async function readBytes(flag: string, file: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new KfmError('NOT_FOUND', `${flag} ${file}: no such file`, { details: { file } });
    throw new KfmError('IO', `${flag} ${file}: cannot read (${code ?? (error as Error).message})`, {
      details: { file },
    });
  }
}

export function trustedKeys(vkeys: readonly string[]): NoteVerifier[] {
  return vkeys.map((vkey) => {
    const parsed = parseVerifierKey(vkey, nodeEd25519);
    if (!parsed.ok)
      throw new KfmError('INVALID_INPUT', `--vkey ${vkey}: ${parsed.message} [${parsed.failure}]`, {
        details: { vkey, failure: parsed.failure },
      });
    return parsed.key;
  });
}

/** The log's origin: --origin, else the name of the first trusted key (a log's key is named after it). */
function originOf(options: VerifyProofOptions, verifiers: readonly NoteVerifier[], needed: string): string {
  const origin = options.origin ?? verifiers[0]?.name;
  if (origin === undefined) throw new KfmError('USAGE', `${needed} needs --vkey <verifier key> of the log`);
  return origin;
}

async function verifyTlogProofText(text: string, options: VerifyProofOptions): Promise<Outcome> {
  if (options.entry === undefined)
    throw new KfmError('USAGE', 'a tlog-proof proves an entry: give its bytes with --entry <file>');
  const verifiers = trustedKeys(options.vkey ?? []);
  const origin = originOf(options, verifiers, 'a tlog-proof');
  const leafHash = nodeTreeHasher.leaf(await readBytes('--entry', options.entry));
  const check = verifyTlogProof(utf8Bytes(text), leafHash, { origin, verifiers, hasher: nodeTreeHasher });
  return check.ok
    ? { ok: true, kind: 'tlog-proof' }
    : { ok: false, kind: 'tlog-proof', failure: check.failure, message: check.message };
}

async function openCheckpointFile(
  options: VerifyProofOptions,
): Promise<{ checkpoint: Checkpoint } | { failure: string; message: string }> {
  const file = options.checkpoint!;
  const verifiers = trustedKeys(options.vkey ?? []);
  const origin = originOf(options, verifiers, '--checkpoint');
  const opened = openCheckpoint(await readBytes('--checkpoint', file), verifiers, origin);
  if (opened.ok) return { checkpoint: opened.checkpoint };
  return { failure: opened.failure, message: `--checkpoint ${file}: ${opened.message}` };
}

async function verifyProofJson(source: string, text: string, options: VerifyProofOptions): Promise<Outcome> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new KfmError('INVALID_INPUT', `${source}: not JSON (${(error as Error).message})`, {
      details: { source },
    });
  }
  const parsed = parseProofJson(value);
  if (!parsed.ok)
    throw new KfmError(
      'INVALID_INPUT',
      `${source}: not an inclusion or consistency proof: ${parsed.issues.join('; ')}`,
      {
        details: { source, issues: parsed.issues },
      },
    );
  const { kind } = parsed.value;
  if (options.entry !== undefined && kind !== 'inclusion')
    throw new KfmError('USAGE', '--entry applies to inclusion proofs only');
  if (options.vkey !== undefined && options.checkpoint === undefined)
    throw new KfmError('USAGE', '--vkey checks a signature: give the signed --checkpoint too');
  let checkpoint: Checkpoint | undefined;
  if (options.checkpoint !== undefined) {
    const opened = await openCheckpointFile(options);
    if (!('checkpoint' in opened)) return { ok: false, kind, ...opened };
    checkpoint = opened.checkpoint;
  }
  const entry = options.entry === undefined ? undefined : await readBytes('--entry', options.entry);
  const check = checkProofJson(parsed.value, nodeTreeHasher, {
    ...(entry === undefined ? {} : { entry }),
    ...(checkpoint === undefined ? {} : { checkpoint }),
  });
  return check.ok
    ? { ok: true, kind }
    : { ok: false, kind, failure: check.failure, message: describe(check.failure) };
}

function describe(failure: string): string {
  switch (failure) {
    case 'LEAF_MISMATCH':
      return 'the proof is not about the --entry bytes: its leaf hash differs';
    case 'CHECKPOINT_MISMATCH':
      return "the proof's root at the checkpoint's size is not the checkpoint's root";
    default:
      return `the proof does not hold (${failure})`;
  }
}

function report(io: Io, outcome: Outcome, json: boolean): void {
  if (json) writeJson(io, outcome);
  else if (outcome.ok) io.stdout(`ok: the ${outcome.kind} proof holds\n`);
  else io.stdout(`FAILED: ${outcome.failure}  ${outcome.message}\n`);
}

/**
 * `kfm verify-proof`: checks, with no ledger at hand, a proof in the JSON form of proof-json.ts or a C2SP
 * tlog-proof. A proof that does not hold exits 1 naming why; input that is no proof at all exits 2.
 */
export function verifyProof(
  file: string | undefined,
  options: GlobalOptions & VerifyProofOptions,
): CommandRun {
  return async (io) => {
    const { source, text } = await readInput(io, file);
    const outcome = text.startsWith(`${TLOG_PROOF_HEADER}\n`)
      ? await verifyTlogProofText(text, options)
      : await verifyProofJson(source, text, options);
    report(io, outcome, options.json === true);
    return outcome.ok ? EXIT.ok : EXIT.integrity;
  };
}

export const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerVerifyProof(program: Command, cli: Cli): void {
  program
    .command('verify-proof')
    .description(COMMAND_SUMMARIES['verify-proof'].description)
    .argument('[file]', 'the proof (default: stdin)')
    .option('--entry <file>', "the entry's bytes (an event body): the inclusion proof must be about them")
    .option(
      '--checkpoint <file>',
      "a signed checkpoint: the proof's root at its size must be the checkpoint's",
    )
    .option(
      '--vkey <vkey>',
      'a trusted verifier key of the log (repeatable); needed with --checkpoint and tlog-proofs',
      collect,
    )
    .option('--origin <origin>', 'the log origin the checkpoint must name (default: the first --vkey name)')
    .action((file: string | undefined, opts: VerifyProofOptions) =>
      cli.run(verifyProof(file, { ...cli.globals(), ...opts })),
    );
}
