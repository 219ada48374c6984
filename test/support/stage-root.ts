import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll } from 'vitest';
import { decodeEvent, type LedgerEvent } from '../../src/projections/ledger-event.js';
import { KFM_BIN } from './kfm-cli.js';

/**
 * Helpers for the stage integration tests (test/integration/stages*.test.ts): they spawn the built
 * CLI and connector runners (`npm test` builds first) in temporary roots holding copies of the
 * committed example registry, with an environment of the test's choosing (secrets tests need one).
 * Spawning is asynchronous so an HTTP server in the test process keeps answering meanwhile.
 */

export const PROJECT = fileURLToPath(new URL('../../', import.meta.url));
export const KFM = KFM_BIN;
export const EXAMPLES = ['ks_mesonet_stations', 'ks_county_population', 'ks_archaeological_sites'] as const;
export type Example = (typeof EXAMPLES)[number];

/** The compiled thin runner `dist/connectors/<id>/<stage>.js`. */
export function runnerPath(datasetId: string, stage: string): string {
  return join(PROJECT, 'dist', 'connectors', datasetId, `${stage}.js`);
}

export function fixturePath(datasetId: Example): string {
  const name = {
    ks_mesonet_stations: 'stations.geojson',
    ks_county_population: 'county_population.csv',
    ks_archaeological_sites: 'sites.geojson',
  }[datasetId];
  return join(PROJECT, 'connectors', datasetId, 'fixtures', name);
}

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Added to the test process's environment (NODE_OPTIONS is cleared so vitest's hooks stay out). */
  env?: Record<string, string>;
  cwd?: string;
}

/** Spawns `node <script> …args` and collects its exit status and output. */
export function runNode(script: string, args: readonly string[], options: RunOptions = {}): Promise<Run> {
  if (!existsSync(script)) throw new Error(`${script} is missing: run \`npm run build\``);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      cwd: options.cwd ?? PROJECT,
      env: { ...process.env, NODE_OPTIONS: '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
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
  });
}

/** `kfm --root <root> …args`. */
export function kfm(root: string, args: readonly string[], options: RunOptions = {}): Promise<Run> {
  return runNode(KFM, ['--root', root, ...args], options);
}

/** `kfm --root <root> --json …args`, with stdout parsed as one JSON document. */
export async function kfmJson<T = Record<string, unknown>>(
  root: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<Run & { json: T }> {
  const run = await kfm(root, ['--json', ...args], options);
  try {
    return { ...run, json: JSON.parse(run.stdout) as T };
  } catch {
    throw new Error(`kfm ${args.join(' ')} exited ${run.status} without JSON:\n${run.stdout}\n${run.stderr}`);
  }
}

/** What every stage prints under --json. */
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

/** Runs a stage with --json and fails loudly unless it exits as expected. */
export async function stage(
  root: string,
  args: readonly string[],
  expectedExit = 0,
  options: RunOptions = {},
): Promise<Run & { json: StageJson }> {
  const run = await kfmJson<StageJson>(root, args, options);
  if (run.status !== expectedExit) {
    throw new Error(
      `kfm ${args.join(' ')} exited ${run.status}, not ${expectedExit}:\n${run.stdout}\n${run.stderr}`,
    );
  }
  return run;
}

/** Every event (or those matching `filter`) through `kfm log --json`: full envelopes with hash. */
export async function logEvents(root: string, filter: readonly string[] = []): Promise<LedgerEvent[]> {
  const run = await kfm(root, ['--json', 'log', ...filter]);
  if (run.status !== 0) throw new Error(`kfm log exited ${run.status}: ${run.stderr}`);
  return run.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as LedgerEvent);
}

/**
 * Reads the root's ledger straight from SQLite, without spawning the CLI (each spawn costs about a
 * second of start-up): the exact stored bodies, which is what `kfm log --json` prints. The
 * connection only reads, but is opened writable so that closing it removes the -wal/-shm files a
 * read-only connection would leave behind (tests snapshot every file of a root).
 */
function readLedger<T>(root: string, read: (db: Database.Database) => T): T {
  const db = new Database(join(root, 'ledger', 'kfm.sqlite'), { fileMustExist: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

/** The ledger head, compared before and after a command that must append nothing; seq 0 when empty. */
export function ledgerHead(root: string): { seq: number; hash: string | null } {
  const row = readLedger(
    root,
    (db) =>
      db.prepare('SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1').get() as
        | { seq: number; hash: string }
        | undefined,
  );
  return row ?? { seq: 0, hash: null };
}

/** Every event of the root's ledger in seq order, optionally only those matching `filter`. */
export function ledgerEvents(
  root: string,
  filter: { type?: string; run_id?: string; dataset_id?: string; after_seq?: number } = {},
): LedgerEvent[] {
  const rows = readLedger(
    root,
    (db) =>
      db.prepare('SELECT body, hash FROM events ORDER BY seq').all() as { body: Buffer; hash: string }[],
  );
  return rows
    .map(decodeEvent)
    .filter(
      (e) =>
        (filter.type === undefined || e.type === filter.type) &&
        (filter.run_id === undefined || e.run_id === filter.run_id) &&
        (filter.dataset_id === undefined || e.dataset_id === filter.dataset_id) &&
        (filter.after_seq === undefined || e.seq > filter.after_seq),
    );
}

/**
 * Temporary roots for one test file, removed after its tests. The first `root()` runs `kfm init`
 * once, copies the example registry in and runs the `seed` commands (e.g. an ingest, so that
 * "nothing appended" is checked against a ledger that holds events); every `root()` hands out a
 * copy of that template: cheaper than spawning the same setup per scenario, and the same bytes.
 */
export function useStageRoots(
  prefix: string,
  seed: readonly (readonly string[])[] = [],
): { dir: () => string; root: () => Promise<string> } {
  const made: string[] = [];
  let template: Promise<string> | undefined;
  afterAll(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });
  const dir = (): string => {
    const d = mkdtempSync(join(tmpdir(), `kfm-${prefix}-`));
    made.push(d);
    return d;
  };
  const makeTemplate = async (): Promise<string> => {
    const root = dir();
    for (const args of [['init'], ...seed]) {
      const run = await kfm(root, args);
      if (run.status !== 0) throw new Error(`kfm ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
      if (args[0] === 'init') {
        for (const id of EXAMPLES) {
          copyFileSync(
            join(PROJECT, 'data', 'registry', `${id}.yml`),
            join(root, 'data', 'registry', `${id}.yml`),
          );
        }
      }
    }
    return root;
  };
  return {
    dir,
    root: async () => {
      template ??= makeTemplate();
      const from = await template;
      const to = dir();
      cpSync(from, to, { recursive: true });
      return to;
    },
  };
}

/** Every file and symlink under `dir` with its mode and content hash (or link target), by relative path. */
export function snapshotTree(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      const rel = relative(dir, path);
      if (entry.isDirectory()) walk(path);
      else if (entry.isSymbolicLink()) files.set(rel, `symlink -> ${readlinkSync(path)}`);
      else {
        const mode = (lstatSync(path).mode & 0o777).toString(8);
        files.set(rel, `${mode} ${createHash('sha256').update(readFileSync(path)).digest('hex')}`);
      }
    }
  };
  walk(dir);
  return files;
}

/** Every regular file below `dir`, as paths relative to it (sorted). */
export function listFiles(dir: string): string[] {
  return [...snapshotTree(dir).keys()].sort();
}

/** Pretty JSON with keys sorted at every level, 2-space indent and a final newline (docs/design.md). */
export function canonicalPretty(text: string): string {
  const sort = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(sort);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sort((value as Record<string, unknown>)[k])]),
    );
  };
  return `${JSON.stringify(sort(JSON.parse(text)), null, 2)}\n`;
}
