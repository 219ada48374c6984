import { existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Actor } from './events/index.js';

/** The package root: where package.json is, whether we run from src/ (tests) or dist/src/ (CLI). */
export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

function findPackageRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${from}`);
    dir = parent;
  }
  return dir;
}

export const TOOL_VERSION: string = (
  JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;

/** The commit the tool runs from, when known, so every event names the code that wrote it. */
export function gitSha(): string | undefined {
  const fromEnv = process.env.KFM_GIT_SHA;
  if (fromEnv !== undefined && /^[0-9a-f]{7,64}$/.test(fromEnv)) return fromEnv;
  try {
    const gitDir = join(PACKAGE_ROOT, '.git');
    const head = readFileSync(join(gitDir, 'HEAD'), 'utf8').trim();
    if (!head.startsWith('ref: ')) return /^[0-9a-f]{40,64}$/.test(head) ? head : undefined;
    const ref = head.slice(5);
    const loose = join(gitDir, ref);
    if (existsSync(loose)) return readFileSync(loose, 'utf8').trim();
    const packed = readFileSync(join(gitDir, 'packed-refs'), 'utf8');
    return packed
      .split('\n')
      .find((line) => line.endsWith(` ${ref}`))
      ?.split(' ')[0];
  } catch {
    // A tool installed without its repository has no sha to record; git_sha is optional.
    return undefined;
  }
}

export function kfmActor(connector?: string): Actor {
  const sha = gitSha();
  const operator = operatorName();
  return {
    tool: 'kfm',
    tool_version: TOOL_VERSION,
    ...(sha === undefined ? {} : { git_sha: sha }),
    ...(connector === undefined ? {} : { connector }),
    ...(operator === undefined ? {} : { operator }),
  };
}

function operatorName(): string | undefined {
  const named = process.env.KFM_OPERATOR;
  if (named !== undefined && named.length > 0) return named.slice(0, 128);
  try {
    return userInfo().username || undefined;
  } catch {
    // No passwd entry (some containers): PROV then names the operator generically.
    return undefined;
  }
}
