import { describe, expect, it } from 'vitest';
import { backfill, useBackfillRoots } from '../support/backfill-root.js';
import { ledgerPath, readHead } from '../support/ledger-file.js';

// `kfm backfill --dry-run` for people (issue 15): one line, where --json has the whole plan.

const env = useBackfillRoots('backfill-dry-run');

describe('kfm backfill --dry-run', () => {
  it('prints a one-line summary: windows, what is already done, requests and time at the rate limit', async () => {
    const server = await env.upstream();
    const root = await env.root({ uri: server.base, rate_limit: 2 });
    expect((await backfill(root, '2026-01-01', '2026-01-02')).status).toBe(0);
    const head = readHead(ledgerPath(root.dir));
    const run = await backfill(root, '2026-01-01', '2026-01-11', ['--dry-run']);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /^backfill ks_streamflow_daily dry run: 9 window\(s\) of P1D to do in 2026-01-01T00:00:00\.000Z\.\.2026-01-11T00:00:00\.000Z, 1 already completed, 18 request\(s\), ≈ 9s at 2 requests\/s, nothing appended; the plan is in data\/work\/ks_streamflow_daily\/runs\/[0-9A-Z]{26}\/dry_run\.json\n$/,
    );
    expect(readHead(ledgerPath(root.dir))).toEqual(head);
  });
});
