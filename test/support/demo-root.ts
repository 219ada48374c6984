import { chmodSync, cpSync, lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { runKfm } from './kfm-cli.js';

/**
 * Roots for tests that tamper with a real `kfm demo` root. Promotion leaves version folders
 * read-only, so removal makes every folder writable first (a plain rm fails there unless root).
 * Call at the top of a test file; it registers the afterAll cleanup.
 */
export function useDemoRoots(prefix: string): {
  pristine: () => Promise<string>;
  copy: (from: string) => string;
} {
  const made: string[] = [];
  afterAll(() => {
    for (const dir of made) {
      makeWritable(dir);
      rmSync(dir, { recursive: true, force: true });
    }
  });
  const fresh = () => {
    const dir = mkdtempSync(join(tmpdir(), `kfm-${prefix}-`));
    made.push(dir);
    return dir;
  };
  return {
    /** A fresh root with the three example datasets promoted by the built CLI's `kfm demo`. */
    async pristine() {
      const root = join(fresh(), 'demo');
      const run = await runKfm(['demo', '--root', root]);
      if (run.status !== 0) throw new Error(`kfm demo exited ${run.status}:\n${run.stdout}${run.stderr}`);
      return root;
    },
    /** A copy of a root (modes kept, so versions stay read-only) that one case may tamper with. */
    copy(from) {
      const root = join(fresh(), 'copy');
      cpSync(from, root, { recursive: true, verbatimSymlinks: true });
      return root;
    },
  };
}

/** chmod u+w on `path` and every folder and file below it (never through symlinks). */
export function makeWritable(path: string): void {
  const stat = lstatSync(path, { throwIfNoEntry: false });
  if (stat === undefined || stat.isSymbolicLink()) return;
  chmodSync(path, stat.mode | 0o200);
  if (stat.isDirectory()) for (const name of readdirSync(path)) makeWritable(join(path, name));
}
