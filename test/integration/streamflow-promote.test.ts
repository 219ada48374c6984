import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DS, useBackfillRoots } from '../support/backfill-root.js';
import { kfm, stage } from '../support/kfm-cli.js';
import { ledgerEvents } from '../support/ledger-file.js';

// Issue 15, defect 1, literally: ks_streamflow_daily's registry declares `temporal: {since:
// 2015-01-01}` without `until`; its promotion was always denied CATALOG_INVALID because DCAT
// `temporal` joined that date to a date-time. Now it publishes, and the open end replays byte for
// byte: the last day its readings cover (their `date` field, recorded in version.published as
// time_span), not the day it was published.

const env = useBackfillRoots('streamflow-promote');

describe('kfm promote ks_streamflow_daily', () => {
  it('publishes with a DCAT temporal of two dates and replays byte for byte', async () => {
    const server = await env.upstream();
    const root = await env.root({ uri: server.base });
    const window = ['--since', '2026-01-01', '--until', '2026-01-03', '--config', root.config];
    const runId = (await stage(root.dir, ['ingest', DS, ...window])).json.run_id;
    await stage(root.dir, ['validate', DS, '--run_id', runId]);
    const promoted = await stage(root.dir, ['promote', DS, '--run_id', runId]);
    expect(promoted.json.status).toBe('succeeded');
    const published = ledgerEvents(root.dir, { type: 'version.published' })[0]!;
    const dcat = JSON.parse(readFileSync(join(root.dir, 'data', 'catalog', 'dcat', `${DS}.json`), 'utf8'));
    // The window [2026-01-01, 2026-01-03) holds daily readings of the 1st and the 2nd.
    expect(published.payload).toMatchObject({
      time_span: { start: '2026-01-01T00:00:00.000Z', end: '2026-01-02T00:00:00.000Z' },
    });
    expect(dcat.temporal).toBe('2015-01-01/2026-01-02');
    const check = await kfm(root.dir, ['replay', '--check']);
    expect([check.status, check.stderr]).toEqual([0, '']);
  }, 120_000);
});
