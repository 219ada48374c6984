import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { runKfm } from './support/kfm-cli.js';
import { removeTree } from './support/temp-dirs.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A root `kfm demo` built once for the whole run; tests copy it (test/support/demo-root.ts). */
    pristineDemoRoot: string;
  }
}

/**
 * Runs `kfm demo` once per test run instead of once per file that needs a demo root: the same
 * bytes for every file, and one demo's time instead of a dozen.
 */
export default async function setup(project: TestProject): Promise<() => void> {
  const dir = mkdtempSync(join(tmpdir(), 'kfm-pristine-demo-'));
  const root = join(dir, 'demo');
  const run = await runKfm(['demo', '--root', root]);
  if (run.status !== 0) throw new Error(`kfm demo exited ${run.status}:\n${run.stdout}${run.stderr}`);
  project.provide('pristineDemoRoot', root);
  return () => removeTree(dir);
}
