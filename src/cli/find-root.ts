import { statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { KfmError } from '../errors.js';

export interface RootSearch {
  /** --root as given, if it was. */
  root?: string | undefined;
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  /**
   * `kfm init` and `kfm demo` make a root, so they neither search upward (as `git init` does not)
   * nor require the folder to exist.
   */
  creating?: boolean;
}

/**
 * The root a command works in: --root; else the nearest folder at or above the current one with a
 * root marker, as git finds its repository; else $KFM_ROOT; else the current folder. A --root or
 * KFM_ROOT that is not a folder is a usage error naming it, so a typo never reads as an empty root.
 */
export function findRoot(search: RootSearch): string {
  if (search.root !== undefined) return existingDir(resolve(search.cwd, search.root), '--root', search);
  if (!search.creating) {
    for (let dir = resolve(search.cwd); ; dir = dirname(dir)) {
      if (isRoot(dir)) return dir;
      if (dirname(dir) === dir) break;
    }
  }
  const fromEnv = search.env.KFM_ROOT;
  if (fromEnv !== undefined && fromEnv !== '') {
    return existingDir(resolve(search.cwd, fromEnv), 'KFM_ROOT', search);
  }
  return resolve(search.cwd);
}

/** A root's markers: a data/registry/ folder or a ledger/kfm.sqlite file; `kfm init` makes both. */
function isRoot(dir: string): boolean {
  return (
    statSync(join(dir, 'data', 'registry'), { throwIfNoEntry: false })?.isDirectory() === true ||
    statSync(join(dir, 'ledger', 'kfm.sqlite'), { throwIfNoEntry: false })?.isFile() === true
  );
}

function existingDir(dir: string, source: '--root' | 'KFM_ROOT', search: RootSearch): string {
  if (search.creating) return dir;
  const stat = statSync(dir, { throwIfNoEntry: false });
  if (stat?.isDirectory()) return dir;
  const what = stat === undefined ? 'does not exist' : 'is not a folder';
  throw new KfmError(
    'USAGE',
    `${source} ${dir} ${what}: pass the folder holding data/ and ledger/ (\`kfm init --root ${dir}\` makes one)`,
    { details: { [source === '--root' ? 'root' : 'KFM_ROOT']: dir } },
  );
}
