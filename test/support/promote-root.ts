import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll } from 'vitest';
import { parseDocument } from 'yaml';
import { decodeEvent, type LedgerEvent } from '../../src/projections/ledger-event.js';
import { type KfmRun, runKfm } from './kfm-cli.js';

/**
 * Helpers for the promotion integration tests (test/integration/promote*.test.ts): temporary roots
 * driven through the real built CLI (`npm test` builds first), cloned from a prepared template per
 * destructive case, and snapshots of the zones to prove what a command did or did not touch.
 */

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const STATIONS = 'ks_mesonet_stations';
export const POPULATION = 'ks_county_population';
export const SITES = 'ks_archaeological_sites';
export const EXAMPLES = [STATIONS, POPULATION, SITES] as const;
export type Example = (typeof EXAMPLES)[number];

export function fixturePath(id: Example): string {
  const name = {
    [STATIONS]: 'stations.geojson',
    [POPULATION]: 'county_population.csv',
    [SITES]: 'sites.geojson',
  }[id];
  return join(PROJECT_ROOT, 'connectors', id, 'fixtures', name);
}

export function sha256(bytes: string | Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function sha256OfFile(path: string): string {
  return sha256(readFileSync(path));
}

/** `kfm --root <root> …args`. */
export function kfmAt(root: string, args: readonly string[]): Promise<KfmRun> {
  return runKfm(['--root', root, ...args]);
}

/** The compiled thin runner `dist/connectors/<id>/<stage>.js`, spawned like the CLI. */
export function runRunner(id: Example, stage: string, args: readonly string[]): Promise<KfmRun> {
  const script = join(PROJECT_ROOT, 'dist', 'connectors', id, `${stage}.js`);
  if (!existsSync(script)) throw new Error(`${script} is missing: run \`npm run build\``);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      env: { ...process.env, NODE_OPTIONS: '' },
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

/** What a stage prints under --json (README, "Stages and the seed's flags"). */
export interface StageJson {
  run_id: string;
  dataset_id: string;
  stage: string;
  status: string;
  exit: number;
  seq: { first: number; last: number } | null;
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

/** `kfm --root <root> --json …args`, stdout parsed; throws (with the output) unless it exits `exit`. */
export async function kfmJsonAt<T = StageJson>(
  root: string,
  args: readonly string[],
  exit = 0,
): Promise<KfmRun & { json: T }> {
  const run = await kfmAt(root, ['--json', ...args]);
  let json: T;
  try {
    json = JSON.parse(run.stdout) as T;
  } catch {
    throw new Error(`kfm ${args.join(' ')} exited ${run.status} without JSON:\n${run.stdout}\n${run.stderr}`);
  }
  if (run.status !== exit)
    throw new Error(`kfm ${args.join(' ')} exited ${run.status}, not ${exit}:\n${run.stdout}\n${run.stderr}`);
  return { ...run, json };
}

/** Events through `kfm log --json` (JSON Lines of full envelopes), optionally filtered by its flags. */
export async function kfmLog(root: string, filter: readonly string[] = []): Promise<LedgerEvent[]> {
  const run = await kfmAt(root, ['--json', 'log', ...filter]);
  if (run.status !== 0) throw new Error(`kfm log exited ${run.status}: ${run.stderr}`);
  return run.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as LedgerEvent);
}

/**
 * The root's events read straight from its SQLite ledger: the stored bodies `kfm log --json` prints,
 * without a CLI start (about a second each on a busy two-core machine). Use kfmLog where the CLI's
 * own listing is the point.
 */
export function ledgerEvents(root: string, filter: { run_id?: string; type?: string } = {}): LedgerEvent[] {
  const db = new Database(join(root, 'ledger', 'kfm.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT body, hash FROM events ORDER BY seq').all() as {
      body: Buffer;
      hash: string;
    }[];
    return rows
      .map(decodeEvent)
      .filter(
        (e) =>
          (filter.run_id === undefined || e.run_id === filter.run_id) &&
          (filter.type === undefined || e.type === filter.type),
      );
  } finally {
    db.close();
  }
}

/** `kfm init` and a copy of the committed example registry, as an operator would set a root up. */
export async function initRoot(root: string): Promise<void> {
  const run = await kfmAt(root, ['init']);
  if (run.status !== 0) throw new Error(`kfm init exited ${run.status}: ${run.stderr}`);
  for (const id of EXAMPLES) copyFileSync(registryPath(PROJECT_ROOT, id), registryPath(root, id));
}

export function registryPath(root: string, id: string): string {
  return join(root, 'data', 'registry', `${id}.yml`);
}

/** Rewrites `data/registry/<id>.yml` of a root through a YAML document edit (comments kept). */
export function editRegistry(
  root: string,
  id: Example,
  edit: (entry: { delete(key: string): unknown; set(key: string, value: unknown): void }) => void,
): void {
  const doc = parseDocument(readFileSync(registryPath(root, id), 'utf8'));
  edit({ delete: (key) => doc.delete(key), set: (key, value) => doc.set(key, value) });
  writeFileSync(registryPath(root, id), doc.toString());
}

/** Edits a file in place after giving it its write bit back (raw captures are read-only). */
export function tamper(path: string, edit: (text: string) => string): void {
  chmodSync(path, 0o644);
  writeFileSync(path, edit(readFileSync(path, 'utf8')));
}

export interface FeatureCollectionLike {
  features: { properties: Record<string, unknown>; geometry: unknown }[];
}

/**
 * Ingests a copy of a GeoJSON example fixture, changed by `edit`, through
 * `--config {"upstream": {"uri": "file:///…"}}`, under the fixture's file name; returns the copy's path.
 */
export async function ingestEditedFixture(
  root: string,
  id: typeof STATIONS | typeof SITES,
  runId: string,
  edit: (doc: FeatureCollectionLike) => void,
): Promise<string> {
  const doc = readJson<FeatureCollectionLike>(fixturePath(id));
  edit(doc);
  const dir = join(root, 'upstream', runId);
  mkdirSync(dir, { recursive: true });
  const copy = join(dir, basename(fixturePath(id)));
  writeFileSync(copy, `${JSON.stringify(doc, null, 1)}\n`);
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ upstream: { uri: `file://${copy}` } }));
  await kfmJsonAt(root, ['ingest', id, '--run_id', runId, '--config', config]);
  return copy;
}

/**
 * Temporary folders for one test file, removed after its tests. Published versions are read-only
 * folders, so removal first gives every folder its write bit back (needed when not run as root).
 */
export function useTempRoots(prefix: string): { fresh: () => string; clone: (from: string) => string } {
  const made: string[] = [];
  afterAll(() => {
    for (const dir of made) removeTree(dir);
  });
  const fresh = (): string => {
    const dir = mkdtempSync(join(tmpdir(), `kfm-${prefix}-`));
    made.push(dir);
    return dir;
  };
  return {
    fresh,
    clone: (from) => {
      const to = fresh();
      cpSync(from, to, { recursive: true });
      return to;
    },
  };
}

export function removeTree(dir: string): void {
  if (!existsSync(dir)) return;
  const unlock = (d: string): void => {
    chmodSync(d, 0o755);
    for (const entry of readdirSync(d, { withFileTypes: true }))
      if (entry.isDirectory()) unlock(join(d, entry.name));
  };
  unlock(dir);
  rmSync(dir, { recursive: true, force: true });
}

/** A file's bytes (as sha256), mtime and permission bits; a folder's permission bits. */
export interface EntryState {
  kind: 'file' | 'dir';
  mode: number;
  sha256?: string;
  mtimeMs?: number;
}

/** Every file and folder below `dir` by relative path ('' is `dir` itself); empty if it is absent. */
export function treeState(dir: string): Map<string, EntryState> {
  const states = new Map<string, EntryState>();
  if (!existsSync(dir)) return states;
  const walk = (d: string): void => {
    states.set(relative(dir, d), { kind: 'dir', mode: lstatSync(d).mode & 0o777 });
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else {
        const stat = lstatSync(path);
        states.set(relative(dir, path), {
          kind: 'file',
          mode: stat.mode & 0o777,
          sha256: sha256OfFile(path),
          mtimeMs: stat.mtimeMs,
        });
      }
    }
  };
  walk(dir);
  return states;
}

/** Every file (path → sha256) and folder (path → 'dir') of data/processed and data/catalog. */
export function publishedZones(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const zone of ['processed', 'catalog']) {
    for (const [path, state] of treeState(join(root, 'data', zone)))
      out[join(zone, path)] = state.kind === 'dir' ? 'dir' : state.sha256!;
  }
  return out;
}

/** Every regular file below `dir`, relative and sorted. */
export function filesUnder(dir: string): string[] {
  return [...treeState(dir)]
    .filter(([, s]) => s.kind === 'file')
    .map(([p]) => p)
    .sort();
}

/** What data/processed/<id>/ holds (version folders, and any staging left behind), sorted. */
export function processedEntries(root: string, id: Example): string[] {
  const dir = join(root, 'data', 'processed', id);
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

export function readJson<T = Record<string, unknown>>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}
