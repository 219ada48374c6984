import { chmodSync, cpSync, existsSync, lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** Makes a fresh temporary directory; `clone` makes one holding a copy of `from` (modes kept). */
export interface TempDirs {
  (): string;
  clone(from: string): string;
}

/**
 * Fresh temporary directories for one test file, removed after its tests. Call at the top of a test
 * file or describe block (it registers an afterAll hook). Promotion leaves version folders read-only,
 * so removal gives every folder its write bit back first (a plain rm fails there unless root).
 */
export function useTempDirs(prefix: string): TempDirs {
  const made: string[] = [];
  afterAll(() => {
    for (const dir of made) removeTree(dir);
  });
  const fresh = (): string => {
    const dir = mkdtempSync(join(tmpdir(), `kfm-${prefix}-`));
    made.push(dir);
    return dir;
  };
  return Object.assign(fresh, {
    clone(from: string): string {
      const to = join(fresh(), 'copy');
      cpSync(from, to, { recursive: true, verbatimSymlinks: true });
      return to;
    },
  });
}

/** chmod u+w on `path` and every folder and file below it (never through symlinks). */
export function makeWritable(path: string): void {
  const stat = lstatSync(path, { throwIfNoEntry: false });
  if (stat === undefined || stat.isSymbolicLink()) return;
  chmodSync(path, stat.mode | 0o200);
  if (stat.isDirectory()) for (const name of readdirSync(path)) makeWritable(join(path, name));
}

/** Removes a tree that may hold read-only folders (published versions). */
export function removeTree(dir: string): void {
  if (!existsSync(dir)) return;
  makeWritable(dir);
  rmSync(dir, { recursive: true, force: true });
}
