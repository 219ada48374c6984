import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The built CLI, exactly what `npx kfm` runs: the bundle (`npm test` builds it first through `pretest`). */
export const KFM_BIN = fileURLToPath(new URL('../../dist/cli/kfm.js', import.meta.url));

export interface KfmRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface KfmRunOptions {
  /** Written to the CLI's stdin, which is then closed. */
  input?: string;
  cwd?: string;
  /** Options for node itself, before the CLI's path (e.g. `--import` of a test hook). */
  nodeArgs?: readonly string[];
  /** Added to the environment. */
  env?: Record<string, string>;
  /** A program (and its arguments) that runs node and the CLI it is given, e.g. read-only-mount.ts's. */
  launcher?: readonly string[];
}

/** Spawns `node dist/cli/kfm.js …args` and collects its exit status and output. */
export function runKfm(args: readonly string[], options: KfmRunOptions = {}): Promise<KfmRun> {
  if (!existsSync(KFM_BIN)) {
    throw new Error(`${KFM_BIN} is missing: run \`npm run build\` (npm test does it through pretest)`);
  }
  return new Promise((resolve, reject) => {
    const [program, ...launch] = [...(options.launcher ?? []), process.execPath];
    const child = spawn(program!, [...launch, ...(options.nodeArgs ?? []), KFM_BIN, ...args], {
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
      // The CLI may exit before reading all of stdin (e.g. on a usage error); that is its answer.
    });
    child.stdin.end(options.input ?? '');
  });
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
