import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/projections/run-record.js';
import {
  backfill,
  completedWindowsOf,
  DS,
  dayOf,
  rawCaptures,
  useBackfillRoots,
} from '../support/backfill-root.js';
import { runnerPath } from '../support/examples.js';
import { kfm, runNode } from '../support/kfm-cli.js';
import { ledgerEvents, ledgerPath, readHead } from '../support/ledger-file.js';
import { snapshotTree } from '../support/stage-root.js';
import { readingLines } from '../support/streamflow-upstream.js';

// `kfm backfill ks_streamflow_daily` against the synthetic upstream (issue 6): windows, child runs,
// the parent's receipts, overlapping ranges, --dry-run, --log_json. Rate limits, retries and
// restarts have their own files (backfill-limits, backfill-resume).

const env = useBackfillRoots('backfill');

/** The readings the upstream serves for `[since, until)`, as the CSV rows the raw files must hold. */
const rowsOf = (since: string, until: string) => readingLines(Date.parse(since), Date.parse(until));

describe('kfm backfill', () => {
  it('captures and validates each window as a child run, and records each window in the parent', async () => {
    const server = await env.upstream({ pageSize: 3 });
    const root = await env.root({ uri: server.base });
    const run = await backfill(root, '2026-01-01', '2026-01-04', ['--json']);
    expect(run.status, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out).toMatchObject({ stage: 'backfill', status: 'succeeded', windows: 3, completed: 3, rows: 15 });

    const completed = ledgerEvents(root.dir, { type: 'backfill.window.completed', run_id: out.run_id });
    expect(completed.map((e) => (e.payload as { window: { since: string } }).window.since)).toEqual([
      '2026-01-01T00:00:00.000Z',
      '2026-01-02T00:00:00.000Z',
      '2026-01-03T00:00:00.000Z',
    ]);
    for (const event of completed) {
      const p = event.payload as { child_run_id: string; files: number; rows: number };
      // Five gauges a day in pages of three rows: two pages, two raw files.
      expect(p).toMatchObject({ files: 2, rows: 5 });
      const stages = ledgerEvents(root.dir, { type: 'run.started', run_id: p.child_run_id }).map(
        (e) => e.payload as { stage: string; parent_run_id?: string },
      );
      expect(stages.map((s) => [s.stage, s.parent_run_id])).toEqual([
        ['ingest', out.run_id],
        ['validate', out.run_id],
      ]);
    }
    // Each window's raw files hold exactly its own readings: [since, until), nothing of the next day.
    const raw = join(root.dir, 'data', 'raw', DS);
    for (const event of completed) {
      const p = event.payload as { child_run_id: string; window: { since: string; until: string } };
      const text = readdirSync(join(raw, p.child_run_id))
        .sort()
        .flatMap((f) =>
          readFileSync(join(raw, p.child_run_id, f), 'utf8')
            .split('\n')
            .slice(1, -1),
        );
      expect(text).toEqual(rowsOf(p.window.since, p.window.until));
    }
    expect((await kfm(root.dir, ['replay', '--check'])).status).toBe(0);
    expect((await kfm(root.dir, ['verify'])).status).toBe(0);
  });

  it("writes the parent's run_record listing every window, its outcome and timings", async () => {
    const server = await env.upstream();
    const root = await env.root({ uri: server.base });
    const run = await backfill(root, '2026-02-01', '2026-02-03', ['--json']);
    const { run_id } = JSON.parse(run.stdout);
    const file = join(root.dir, 'data', 'work', DS, 'runs', run_id, 'run_record.json');
    const record = JSON.parse(readFileSync(file, 'utf8')) as RunRecord;
    expect(record.stages.map((s) => [s.stage, s.status])).toEqual([['backfill', 'succeeded']]);
    expect(record.backfill?.windows).toHaveLength(2);
    for (const window of record.backfill!.windows) {
      expect(window).toMatchObject({ status: 'completed', rows: 5, files: 1, error: null });
      expect(Date.parse(window.completed_at!)).toBeGreaterThanOrEqual(Date.parse(window.started_at!));
      expect(window.duration_ms).toBe(Date.parse(window.completed_at!) - Date.parse(window.started_at!));
    }
    expect(record.backfill?.totals).toMatchObject({ windows: 2, completed: 2, rows: 10 });
  });

  it('does not capture again what an overlapping earlier backfill completed: no raw file twice', async () => {
    const server = await env.upstream();
    const root = await env.root({ uri: server.base });
    expect((await backfill(root, '2026-01-01', '2026-01-05')).status).toBe(0);
    const before = server.requests.length;
    const second = await backfill(root, '2026-01-03', '2026-01-08', ['--json']);
    expect(second.status, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ windows: 3, completed: 3, already_completed: 2 });
    const asked = server.requests.slice(before).map((r) => dayOf(r.start));
    expect(new Set(asked)).toEqual(new Set(['2026-01-05', '2026-01-06', '2026-01-07']));

    const captures = rawCaptures(root.dir);
    expect(captures).toHaveLength(7);
    expect(new Set(captures.map((c) => c.split(' ')[1])).size).toBe(7);
    const days = captures.map((c) => c.slice('readings_'.length, 'readings_'.length + 8));
    expect(days).toEqual([
      '20260101',
      '20260102',
      '20260103',
      '20260104',
      '20260105',
      '20260106',
      '20260107',
    ]);
  });

  it('cuts PT6H windows: windows without a daily reading pass as empty, and every reading is captured once', async () => {
    const server = await env.upstream();
    const root = await env.root({ uri: server.base });
    const run = await backfill(root, '2026-03-01', '2026-03-02T12:00:00Z', ['--batch', 'PT6H', '--json']);
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ windows: 6, completed: 6, rows: 10 });
    const rows = ledgerEvents(root.dir, { type: 'backfill.window.completed' }).map(
      (e) => (e.payload as { rows: number }).rows,
    );
    expect(rows).toEqual([5, 0, 0, 0, 5, 0]);
  });

  it('--dry-run prints the window plan with requests and time at the rate limit, and writes nothing outside work', async () => {
    const server = await env.upstream();
    const root = await env.root({ uri: server.base, rate_limit: 2 });
    expect((await backfill(root, '2026-01-01', '2026-01-02')).status).toBe(0);
    const head = readHead(ledgerPath(root.dir));
    const raw = snapshotTree(join(root.dir, 'data', 'raw'));
    const requests = server.requests.length;
    const run = await backfill(root, '2026-01-01', '2026-01-11', ['--dry-run', '--json']);
    expect(run.status, run.stderr).toBe(0);
    const { plan, receipts } = JSON.parse(run.stdout);
    expect(plan).toMatchObject({
      windows: 9,
      batch: 'P1D',
      requests_per_window: 2,
      expected_requests: 18,
      rate_limit: 2,
      estimated_seconds: 9,
      already_completed: [
        { since: '2026-01-01T00:00:00.000Z', until: '2026-01-02T00:00:00.000Z', windows: 1 },
      ],
    });
    expect(plan.batches[0]).toEqual({ since: '2026-01-02T00:00:00.000Z', until: '2026-01-03T00:00:00.000Z' });
    expect(receipts).toEqual([
      expect.stringMatching(/^ks_streamflow_daily\/runs\/[0-9A-Z]{26}\/dry_run\.json$/),
    ]);
    expect(readHead(ledgerPath(root.dir))).toEqual(head);
    expect(snapshotTree(join(root.dir, 'data', 'raw'))).toEqual(raw);
    expect(server.requests.length).toBe(requests);
  });

  it('--log_json writes one JSON line per window, with its outcome, rate and ETA', async () => {
    const server = await env.upstream();
    const root = await env.root({ uri: server.base });
    const run = await backfill(root, '2026-01-01', '2026-01-04', ['--log_json']);
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const windows = lines.filter((l) => l.window !== undefined);
    expect(windows).toHaveLength(3);
    expect(windows.map((l) => [l.done, l.total, l.status])).toEqual([
      [1, 3, 'completed'],
      [2, 3, 'completed'],
      [3, 3, 'completed'],
    ]);
    expect(windows[0]).toHaveProperty('eta_seconds');
    expect(windows[0]).toHaveProperty('windows_per_second');
    // Child runs log nothing of their own.
    expect(lines.every((l) => l.stage === 'backfill')).toBe(true);
  });

  it('refuses a backfill without --until, a month batch, and --batch on ingest (exit 2, nothing appended)', async () => {
    const root = await env.root({ uri: 'http://127.0.0.1:9' });
    const head = readHead(ledgerPath(root.dir));
    const noUntil = await kfm(root.dir, ['backfill', DS, '--since', '2026-01-01']);
    expect(noUntil.status).toBe(2);
    expect(noUntil.stderr).toContain('backfill needs --since and --until');
    const month = await backfill(root, '2026-01-01', '2026-03-01', ['--batch', 'P1M']);
    expect(month.status).toBe(2);
    expect(month.stderr).toContain('no fixed length');
    const ingest = await kfm(root.dir, ['ingest', DS, '--batch', 'P1D']);
    expect(ingest.status).toBe(2);
    expect(ingest.stderr).toContain('--batch does not apply to ingest (it applies to: backfill)');
    expect(readHead(ledgerPath(root.dir))).toEqual(head);
  });

  it('runs the same through the thin runner connectors/ks_streamflow_daily/backfill.js', async () => {
    const help = await runNode(runnerPath(DS, 'backfill'), ['--help']);
    expect(help.stdout).toContain('--batch <duration>');
    const server = await env.upstream();
    const root = await env.root({ uri: server.base });
    const args = [
      '--root',
      root.dir,
      '--since',
      '2026-01-01',
      '--until',
      '2026-01-03',
      '--config',
      root.config,
    ];
    const run = await runNode(runnerPath(DS, 'backfill'), args);
    expect(run.status, run.stderr).toBe(0);
    expect(completedWindowsOf(root.dir)).toHaveLength(2);
  });
});
