import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { basename, join, relative } from 'node:path';
import { parseDocument } from 'yaml';
import { type Example, fixturePath, registryPath, type SITES, type STATIONS } from './examples.js';
import { stage } from './kfm-cli.js';
import { sha256Hex } from './ledger-file.js';

/**
 * Helpers for the promotion integration tests (test/integration/promote*.test.ts): temporary roots
 * driven through the real built CLI (`npm test` builds first), cloned from a prepared template per
 * destructive case, and snapshots of the zones to prove what a command did or did not touch.
 */

export function sha256OfFile(path: string): string {
  return sha256Hex(readFileSync(path));
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
  await stage(root, ['ingest', id, '--run_id', runId, '--config', config]);
  return copy;
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
