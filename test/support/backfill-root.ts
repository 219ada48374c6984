import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { UpToDate } from '../../src/contract/backfill/ingest-window.js';
import { runStage, type StageOutcome } from '../../src/contract/run-stage.js';
import { stageRequest } from '../../src/contract/stage-request.js';
import type { UpstreamDeps } from '../../src/upstream/upstream-client.js';
import { PROJECT } from './examples.js';
import { KFM_BIN, type KfmRun, kfm } from './kfm-cli.js';
import { ledgerEvents } from './ledger-file.js';
import { useStageRoots } from './stage-root.js';
import {
  type StreamflowUpstream,
  startStreamflowUpstream,
  type UpstreamOptions,
} from './streamflow-upstream.js';

/**
 * Helpers for the ks_streamflow_daily tests (issue 6): temporary roots holding the registry entry,
 * a synthetic upstream per test (closed after it), a --config pointing the connector at it, and
 * a spawned CLI that a test can SIGKILL at a moment of its choosing.
 */
export const DS = 'ks_streamflow_daily';

export function useBackfillRoots(prefix: string) {
  const roots = useStageRoots(prefix);
  const servers: StreamflowUpstream[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
  });
  return {
    async upstream(options: UpstreamOptions = {}): Promise<StreamflowUpstream> {
      const server = await startStreamflowUpstream(options);
      servers.push(server);
      return server;
    },
    /** A root with the streamflow registry entry and `config.json` naming `upstream` (fast by default). */
    async root(upstream: Record<string, unknown>, registry?: (yaml: string) => string): Promise<Root> {
      const root = await roots.root();
      const entry = readFileSync(join(PROJECT, 'data', 'registry', `${DS}.yml`), 'utf8');
      writeFileSync(
        join(root, 'data', 'registry', `${DS}.yml`),
        registry === undefined ? entry : registry(entry),
      );
      const config = join(root, 'config.json');
      writeFileSync(config, JSON.stringify({ upstream: { rate_limit: 1000, ...upstream } }));
      return { dir: root, config };
    },
  };
}

export interface Root {
  dir: string;
  config: string;
}

/** `kfm backfill` over `[since, until)` with the root's config; extra args appended. */
export function backfill(
  root: Root,
  since: string,
  until: string,
  extra: readonly string[] = [],
): Promise<KfmRun> {
  return kfm(root.dir, [
    'backfill',
    DS,
    '--since',
    since,
    '--until',
    until,
    '--config',
    root.config,
    ...extra,
  ]);
}

/**
 * The same backfill run in this process, as the CLI's stage command runs it, with the upstream
 * client on `upstream` (a fake clock and timers): what a test of waits, rate limits and timeouts
 * needs, since a spawned CLI can only run on the real clock.
 */
export async function backfillInProcess(
  root: Root,
  since: string,
  until: string,
  upstream: Partial<UpstreamDeps>,
): Promise<StageOutcome> {
  const stderr: string[] = [];
  const outcome: StageOutcome | UpToDate = await runStage(
    stageRequest('backfill', DS, { since, until, config: root.config }),
    {
      root: root.dir,
      ledger: join(root.dir, 'ledger', 'kfm.sqlite'),
      projectRoot: PROJECT,
      stderr: (text) => stderr.push(text),
      env: process.env,
      upstream,
    },
  );
  if (outcome.status !== 'succeeded') {
    throw new Error(`backfill ${since}..${until} ended ${outcome.status}:\n${stderr.join('')}`);
  }
  return outcome;
}

export interface Spawned {
  child: ChildProcess;
  /** Ends when the process does; `signal` is the one that ended it (SIGKILL), if any. */
  done: Promise<KfmRun & { signal: NodeJS.Signals | null }>;
}

/** Like `kfm`, but hands back the child process, so a test can `kill -9` it mid-run. */
export function spawnKfm(root: string, args: readonly string[], env: Record<string, string> = {}): Spawned {
  const child = spawn(process.execPath, [KFM_BIN, '--root', root, ...args], {
    cwd: PROJECT,
    env: { ...process.env, NODE_OPTIONS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
  const done = new Promise<KfmRun & { signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status, signal) =>
      resolve({
        status,
        signal,
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
      }),
    );
  });
  return { child, done };
}

/**
 * The stored raw captures of the dataset, independent of run ids: `<file name> <sha256>` for every
 * line of checksums.sha256, sorted. Every file in the raw folder must be listed there (no stray or
 * temp file) and hash as listed, or this throws.
 */
export function rawCaptures(rootDir: string): string[] {
  const raw = join(rootDir, 'data', 'raw', DS);
  const lines = readFileSync(join(raw, 'checksums.sha256'), 'utf8').trim().split('\n');
  const listed = new Map(lines.map((l) => [l.slice(66), l.slice(0, 64)]));
  const onDisk = readdirSync(raw, { recursive: true, withFileTypes: true })
    .filter((e) => !e.isDirectory())
    .map((e) => join(e.parentPath, e.name).slice(raw.length + 1))
    .filter((p) => p !== 'checksums.sha256' && p !== 'manifest.yml');
  const stray = onDisk.filter((p) => !listed.has(p));
  if (stray.length > 0) throw new Error(`raw files no checksum lists: ${stray.join(', ')}`);
  const missing = [...listed.keys()].filter((p) => !existsSync(join(raw, p)));
  if (missing.length > 0) throw new Error(`checksums.sha256 lists missing files: ${missing.join(', ')}`);
  return [...listed].map(([path, sha]) => `${path.split('/').at(-1)} ${sha}`).sort();
}

/** The windows recorded completed, as `since..until sha256 rows files`, in ledger order. */
export function completedWindowsOf(rootDir: string): string[] {
  return ledgerEvents(rootDir, { type: 'backfill.window.completed' }).map((e) => {
    const p = e.payload as {
      window: { since: string; until: string };
      sha256: string;
      rows: number;
      files: number;
    };
    return `${p.window.since}..${p.window.until} ${p.sha256} ${p.rows} ${p.files}`;
  });
}

/** The day (YYYY-MM-DD) a request's window starts, or null. */
export function dayOf(start: string | null): string | null {
  return start === null ? null : new Date(start).toISOString().slice(0, 10);
}
