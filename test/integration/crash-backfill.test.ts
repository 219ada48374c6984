import { describe, expect, it } from 'vitest';
import { backfill, completedWindowsOf, DS, rawCaptures, useBackfillRoots } from '../support/backfill-root.js';
import { kfm } from '../support/kfm-cli.js';

// Issue 10, item 8 for a backfill: a parent run and a child run per window (ingest, then validate).
// Killed by a failpoint inside a window, `kfm recover` must close the open child before its parent,
// leave a ledger `verify --deep` passes, and the same command then resumes to the state of an
// uninterrupted backfill.

const env = useBackfillRoots('crash-backfill');
const SINCE = '2026-01-01';
const UNTIL = '2026-01-04';

interface Recovered {
  datasets: { dataset_id: string; closed: { run_id: string; stage: string }[] }[];
}

describe('a backfill killed inside a window', () => {
  it.each([
    ['mid-capture (a temp file in raw)', 'write/raw/filled:2', ['ingest', 'backfill']],
    ['after a capture is recorded', 'event/raw.captured/after:2', ['ingest', 'backfill']],
    ['after the window validated', 'event/validation.reported/after:2', ['validate', 'backfill']],
    ['before the parent records the window', 'event/backfill.window.completed/before:2', ['backfill']],
  ])(
    '%s: kfm recover closes the child before the parent, verify --deep passes, the rerun completes',
    async (_, failpoint, closedStages) => {
      const server = await env.upstream();
      const reference = await env.root({ uri: server.base });
      expect((await backfill(reference, SINCE, UNTIL)).status).toBe(0);

      const root = await env.root({ uri: server.base });
      const killed = await kfm(
        root.dir,
        ['backfill', DS, '--since', SINCE, '--until', UNTIL, '--config', root.config],
        { env: { KFM_FAILPOINT: failpoint } },
      );
      expect(killed.status, killed.stderr).toBeNull();

      const recovered = await kfm(root.dir, ['--json', 'recover', DS]);
      expect(recovered.status, recovered.stderr).toBe(0);
      const closed = (JSON.parse(recovered.stdout) as Recovered).datasets[0]!.closed;
      expect(closed.map((c) => c.stage)).toEqual(closedStages);
      const verify = await kfm(root.dir, ['verify', '--deep']);
      expect(verify.status, verify.stdout).toBe(0);

      const rerun = await backfill(root, SINCE, UNTIL);
      expect(rerun.status, rerun.stderr).toBe(0);
      expect((await kfm(root.dir, ['verify', '--deep'])).status).toBe(0);
      expect(rawCaptures(root.dir)).toEqual(rawCaptures(reference.dir));
      expect(completedWindowsOf(root.dir)).toEqual(completedWindowsOf(reference.dir));
    },
    120_000,
  );
});
