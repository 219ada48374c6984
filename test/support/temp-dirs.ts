import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/**
 * Fresh temporary directories for one test file, removed after its tests. Call at the top of a
 * describe block (it registers an afterAll hook) and use the returned function to make roots.
 */
export function useTempDirs(prefix: string): () => string {
  const made: string[] = [];
  afterAll(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const dir = mkdtempSync(join(tmpdir(), `kfm-${prefix}-`));
    made.push(dir);
    return dir;
  };
}

/** The default ledger path of a root, as the CLI computes it. */
export function ledgerPath(root: string): string {
  return join(root, 'ledger', 'kfm.sqlite');
}

/** Copies a root's ledger file (and any WAL beside it) into another root, so a test can tamper alone. */
export function copyLedger(fromRoot: string, toRoot: string): string {
  const from = ledgerPath(fromRoot);
  const to = ledgerPath(toRoot);
  mkdirSync(join(toRoot, 'ledger'), { recursive: true });
  copyFileSync(from, to);
  for (const suffix of ['-wal', '-shm']) {
    if (existsSync(from + suffix)) copyFileSync(from + suffix, to + suffix);
  }
  return to;
}
