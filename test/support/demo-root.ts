import { inject } from 'vitest';
import { type TempDirs, useTempDirs } from './temp-dirs.js';

/** Temporary directories (see temp-dirs.ts) that also hand out demo roots. */
export interface DemoRoots extends TempDirs {
  /** A copy of the run's `kfm demo` root: the three example datasets promoted by the built CLI. */
  pristine(): Promise<string>;
}

/**
 * Roots for tests that read or tamper with a real `kfm demo` root. The demo runs once per test run
 * (test/global-setup.ts) and each caller gets its own copy. Call at the top of a test file; it
 * registers the afterAll cleanup;
 * `clone(root)` gives one case a copy it may change alone.
 */
export function useDemoRoots(prefix: string): DemoRoots {
  const dirs = useTempDirs(prefix);
  return Object.assign(dirs, {
    pristine: async () => dirs.clone(inject('pristineDemoRoot')),
  });
}
