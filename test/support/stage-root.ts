import { copyFileSync, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { EXAMPLES, PROJECT, registryPath } from './examples.js';
import { kfm } from './kfm-cli.js';
import { sha256Hex } from './ledger-file.js';
import { useTempDirs } from './temp-dirs.js';

/**
 * Roots for the stage integration tests (test/integration/stages*.test.ts): temporary roots holding
 * copies of the committed example registry, driven through the built CLI and connector runners.
 */

/** `kfm init` and a copy of the committed example registry, as an operator would set a root up. */
export async function initRoot(root: string): Promise<void> {
  const run = await kfm(root, ['init']);
  if (run.status !== 0) throw new Error(`kfm init exited ${run.status}: ${run.stderr}`);
  for (const id of EXAMPLES) copyFileSync(registryPath(PROJECT, id), registryPath(root, id));
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
  const dir = useTempDirs(prefix);
  let template: Promise<string> | undefined;
  const makeTemplate = async (): Promise<string> => {
    const root = dir();
    await initRoot(root);
    for (const args of seed) {
      const run = await kfm(root, args);
      if (run.status !== 0) throw new Error(`kfm ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
    }
    return root;
  };
  return {
    dir,
    root: async () => {
      template ??= makeTemplate();
      return dir.clone(await template);
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
        files.set(rel, `${mode} ${sha256Hex(readFileSync(path))}`);
      }
    }
  };
  walk(dir);
  return files;
}
