import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { LedgerEvent } from '../../src/projections/ledger-event.js';

/** The built CLI, exactly what `npx kfm` runs: the bundle (`npm test` builds it first through `pretest`). */
export const KFM_BIN = fileURLToPath(new URL('../../dist/cli/kfm.js', import.meta.url));

export interface KfmRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface KfmRunOptions {
  /** Written to the child's stdin, which is then closed. */
  input?: string;
  cwd?: string;
  /** Options for node itself, before the script's path (e.g. `--import` of a test hook). */
  nodeArgs?: readonly string[];
  /** Added to the environment (NODE_OPTIONS is cleared so vitest's hooks stay out). */
  env?: Record<string, string>;
  /** A program (and its arguments) that runs node and the script it is given, e.g. read-only-mount.ts's. */
  launcher?: readonly string[];
}

/**
 * Spawns `node <script> …args` and collects its exit status and output. Spawning is asynchronous so
 * that an HTTP server in the test process keeps answering meanwhile.
 */
export function runNode(
  script: string,
  args: readonly string[],
  options: KfmRunOptions = {},
): Promise<KfmRun> {
  if (!existsSync(script)) {
    throw new Error(`${script} is missing: run \`npm run build\` (npm test does it through pretest)`);
  }
  return new Promise((resolve, reject) => {
    const [program, ...launch] = [...(options.launcher ?? []), process.execPath];
    const child = spawn(program!, [...launch, ...(options.nodeArgs ?? []), script, ...args], {
      cwd: options.cwd,
      env: { ...process.env, NODE_OPTIONS: '', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (status) =>
      resolve({
        status,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
    child.stdin.on('error', () => {
      // The child may exit before reading all of stdin (e.g. on a usage error); that is its answer.
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Spawns `node dist/src/cli/kfm.js …args` and collects its exit status and output. */
export function runKfm(args: readonly string[], options: KfmRunOptions = {}): Promise<KfmRun> {
  return runNode(KFM_BIN, args, options);
}

/** `kfm --root <root> …args`. */
export function kfm(root: string, args: readonly string[], options: KfmRunOptions = {}): Promise<KfmRun> {
  return runKfm(['--root', root, ...args], options);
}

/** `kfm --root <root> --json …args`, with stdout parsed as one JSON document. */
export function kfmJson<T = Record<string, unknown>>(
  root: string,
  args: readonly string[],
  options: KfmRunOptions = {},
): Promise<KfmRun & { json: T }> {
  return runKfmJson<T>(['--root', root, '--json', ...args], options);
}

/** What every stage prints under --json (README, "Stages and the seed's flags"). */
export interface StageJson {
  run_id: string;
  dataset_id: string;
  stage: string;
  status: string;
  seq: { first: number; last: number } | null;
  exit: number;
  receipts: string[];
  [fact: string]: unknown;
}

/** What a successful promote prints under --json, on top of the stage object. */
export interface PromoteJson extends StageJson {
  version_id: string;
  content_hash: string;
  reused: boolean;
  catalogs: string[];
}

/** Runs a stage with --json and fails loudly (with its output) unless it exits `expectedExit`. */
export async function stage<T = StageJson>(
  root: string,
  args: readonly string[],
  expectedExit = 0,
  options: KfmRunOptions = {},
): Promise<KfmRun & { json: T }> {
  const run = await kfmJson<T>(root, args, options);
  if (run.status !== expectedExit) {
    throw new Error(
      `kfm ${args.join(' ')} exited ${run.status}, not ${expectedExit}:\n${run.stdout}\n${run.stderr}`,
    );
  }
  return run;
}

/** Events through `kfm log --json` (JSON Lines of full envelopes), optionally filtered by its flags. */
export async function kfmLog(root: string, filter: readonly string[] = []): Promise<LedgerEvent[]> {
  const run = await kfm(root, ['--json', 'log', ...filter]);
  if (run.status !== 0) throw new Error(`kfm log exited ${run.status}: ${run.stderr}`);
  return run.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as LedgerEvent);
}

/** Runs the CLI and parses its stdout as one JSON document. */
export async function runKfmJson<T = Record<string, unknown>>(
  args: readonly string[],
  options: KfmRunOptions = {},
): Promise<KfmRun & { json: T }> {
  const run = await runKfm(args, options);
  let json: T;
  try {
    json = JSON.parse(run.stdout) as T;
  } catch {
    throw new Error(
      `kfm ${args.join(' ')} exited ${run.status} without one JSON document on stdout:\n${run.stdout}\n${run.stderr}`,
    );
  }
  return { ...run, json };
}

export interface Head {
  seq: number;
  hash: string;
}

/** `kfm head --json`, failing loudly if the CLI cannot read the ledger. */
export async function kfmHead(root: string): Promise<Head> {
  const run = await runKfmJson<Head>(['--root', root, '--json', 'head']);
  if (run.status !== 0) throw new Error(`kfm head exited ${run.status}: ${run.stdout}${run.stderr}`);
  return run.json;
}

/** A stack frame line as Node prints it: what users must never see without --debug. */
export const STACK_FRAME = /^\s+at .+(:\d+:\d+\)?|\(native\))$/m;
