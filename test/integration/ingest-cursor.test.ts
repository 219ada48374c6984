import { describe, expect, it } from 'vitest';
import { backfill, DS, useBackfillRoots } from '../support/backfill-root.js';
import { kfm } from '../support/kfm-cli.js';
import { ledgerEvents, ledgerPath, readHead } from '../support/ledger-file.js';

// Incremental ingest of a windowed connector (issue 6): without --since, `kfm ingest` continues
// from the ledger's cursor — the end of the latest completed window, a projection of the events —
// and with --since/--until it takes exactly that window.

const env = useBackfillRoots('ingest-cursor');

/** The window the latest ingest run recorded in run.started. */
function lastIngestWindow(root: string): unknown {
  const starts = ledgerEvents(root, { type: 'run.started' }).filter(
    (e) => (e.payload as { stage: string }).stage === 'ingest',
  );
  return (starts.at(-1)?.payload as { window?: unknown } | undefined)?.window;
}

describe('kfm ingest ks_streamflow_daily', () => {
  it('continues from the cursor: the end of the last completed window, backfilled or ingested', async () => {
    const server = await env.upstream();
    const root = await env.root({ uri: server.base });
    expect((await backfill(root, '2026-01-01', '2026-01-04')).status).toBe(0);

    const first = await kfm(root.dir, [
      'ingest',
      DS,
      '--until',
      '2026-01-06',
      '--config',
      root.config,
      '--json',
    ]);
    expect(first.status, first.stderr).toBe(0);
    expect(lastIngestWindow(root.dir)).toEqual({
      since: '2026-01-04T00:00:00.000Z',
      until: '2026-01-06T00:00:00.000Z',
    });
    expect(JSON.parse(first.stdout)).toMatchObject({ status: 'succeeded', captured: 1 });

    const second = await kfm(root.dir, ['ingest', DS, '--until', '2026-01-07', '--config', root.config]);
    expect(second.status, second.stderr).toBe(0);
    expect(lastIngestWindow(root.dir)).toEqual({
      since: '2026-01-06T00:00:00.000Z',
      until: '2026-01-07T00:00:00.000Z',
    });
    // The upstream was asked for each day exactly once across backfill and both ingests.
    const gets = server.requests.filter((r) => r.method === 'GET').map((r) => r.start?.slice(0, 10));
    expect(gets).toEqual(['2026-01-01', '2026-01-02', '2026-01-03', '2026-01-04', '2026-01-06']);
  });

  it('answers up to date when the cursor is already there (exit 0, nothing appended), so schedulers see success', async () => {
    const server = await env.upstream();
    const root = await env.root({ uri: server.base });
    expect((await backfill(root, '2026-01-01', '2026-01-03')).status).toBe(0);
    const head = readHead(ledgerPath(root.dir));
    const again = await kfm(root.dir, ['ingest', DS, '--until', '2026-01-03', '--config', root.config]);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toBe(
      'ingest ks_streamflow_daily: up to date (the cursor is at 2026-01-03T00:00:00.000Z, the last whole step ends at 2026-01-03T00:00:00.000Z); nothing appended\n',
    );
    const json = await kfm(root.dir, [
      'ingest',
      DS,
      '--until',
      '2026-01-02',
      '--config',
      root.config,
      '--json',
    ]);
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      status: 'up_to_date',
      stage: 'ingest',
      dataset_id: DS,
      since: '2026-01-03T00:00:00.000Z',
      until: '2026-01-02T00:00:00.000Z',
      seq: null,
      exit: 0,
    });
    // An explicit --since with nothing after it asked for an empty window: that stays a usage error.
    const empty = await kfm(root.dir, [
      'ingest',
      DS,
      '--since',
      '2026-01-05',
      '--until',
      '2026-01-05',
      '--config',
      root.config,
    ]);
    expect(empty.status).toBe(2);
    const future = await kfm(root.dir, ['ingest', DS, '--since', '2099-01-01', '--config', root.config]);
    expect(future.status).toBe(2);
    expect(future.stderr).toContain(
      'nothing to ingest for ks_streamflow_daily: --since 2099-01-01T00:00:00.000Z',
    );
    expect(readHead(ledgerPath(root.dir))).toEqual(head);
    expect(server.requests.filter((r) => r.method === 'GET')).toHaveLength(2);
  });

  it('takes exactly --since/--until when given, whatever the cursor says', async () => {
    const server = await env.upstream();
    const root = await env.root({ uri: server.base });
    expect((await backfill(root, '2026-01-01', '2026-01-05')).status).toBe(0);
    const run = await kfm(root.dir, [
      ...['ingest', DS, '--since', '2026-01-02', '--until', '2026-01-03', '--config', root.config, '--json'],
    ]);
    expect(run.status, run.stderr).toBe(0);
    expect(lastIngestWindow(root.dir)).toEqual({
      since: '2026-01-02T00:00:00.000Z',
      until: '2026-01-03T00:00:00.000Z',
    });
    // The same bytes as the backfill's capture of that day: recorded as seen again, not stored twice.
    expect(JSON.parse(run.stdout)).toMatchObject({ captured: 0, seen_before: 1 });
  });

  it('starts at the registry temporal.since without a cursor, and ends at the last whole UTC day', async () => {
    const server = await env.upstream();
    const root = await env.root({ uri: server.base });
    const midnight = () => `${new Date().toISOString().slice(0, 10)}T00:00:00.000Z`;
    // The CLI reads the clock between these two readings: its UTC day is one of theirs.
    const before = midnight();
    const run = await kfm(root.dir, ['ingest', DS, '--config', root.config, '--dry-run', '--json']);
    const after = midnight();
    expect(run.status, run.stderr).toBe(0);
    const { window } = JSON.parse(run.stdout) as { window: { since: string; until: string } };
    expect(window.since).toBe('2015-01-01T00:00:00.000Z');
    expect([before, after]).toContain(window.until);
  });

  it('refuses to guess a start when there is neither cursor nor temporal.since', async () => {
    const root = await env.root({ uri: 'http://127.0.0.1:9' }, (yaml) => yaml.replace(/temporal:\n.*\n/, ''));
    const run = await kfm(root.dir, ['ingest', DS, '--config', root.config]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('has no cursor yet');
  });
});
