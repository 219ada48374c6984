import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildResult } from './verify-child.js';

export type { ChildResult };

const CHILD = fileURLToPath(new URL('./verify-child.js', import.meta.url));
const KFM = fileURLToPath(new URL('../cli/kfm.js', import.meta.url));

/** One verify (or reference read) in its own process; see verify-child.ts. */
export function runVerifyChild(
  mode: ChildResult['mode'],
  ledgerPath: string,
  nodeFlags: readonly string[] = ['--expose-gc'],
): ChildResult {
  const child = spawnSync(process.execPath, [...nodeFlags, CHILD, mode, ledgerPath], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`verify child (${mode}) failed: ${child.stderr}`);
  const result = JSON.parse(child.stdout) as ChildResult;
  if (!result.ok) throw new Error(`verify child (${mode}) reports a broken chain: ${child.stderr}`);
  return result;
}

export interface CliResult {
  exit_code: number | null;
  ok: boolean;
  events: number;
  /** Wall time of the whole process: start-up, opening the ledger, verifying, printing. */
  wall_ms: number;
  /** Set when the CLI could not run (e.g. a broken build): the figure is then missing. */
  error?: string;
}

/** `kfm verify --json` on the benchmark ledger: the CLI must agree the chain is intact. */
export function runCliVerify(ledgerPath: string, root: string): CliResult {
  const start = performance.now();
  const child = spawnSync(
    process.execPath,
    [KFM, '--root', root, '--ledger', ledgerPath, 'verify', '--json'],
    {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const wall = performance.now() - start;
  try {
    const report = JSON.parse(child.stdout) as { ok: boolean; events: number };
    return { exit_code: child.status, ok: report.ok, events: report.events, wall_ms: wall };
  } catch {
    // Reported, not thrown: the library measurements above stand on their own.
    const why =
      `${child.stderr}`.split('\n').find((line) => line.includes('Error')) ?? `exit ${child.status}`;
    return { exit_code: child.status, ok: false, events: 0, wall_ms: wall, error: why.trim() };
  }
}
