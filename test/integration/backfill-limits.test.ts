import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/projections/run-record.js';
import type { AttemptInfo } from '../../src/upstream/upstream-client.js';
import {
  backfill,
  backfillInProcess,
  completedWindowsOf,
  DS,
  dayOf,
  rawCaptures,
  useBackfillRoots,
} from '../support/backfill-root.js';
import { fakeClock } from '../support/fake-clock.js';
import { ledgerEvents } from '../support/ledger-file.js';

// Rate limits and retries of a backfill against the synthetic upstream (issue 6): Retry-After
// honoured, a run-wide retry budget that ends the run with exit 4 while keeping what it completed,
// a token bucket the upstream never sees exceeded, and answers too slow or cut mid-body retried.
// Waits, rate limits and timeouts run the backfill in process on a fake clock, which the upstream
// also stamps arrivals with: exact times, however loaded the machine (that a command gets the real
// clock is test/unit/upstream/upstream-deps.test.ts). The client's backoff is in
// test/unit/upstream/run-limits.test.ts.

const env = useBackfillRoots('backfill-limits');

describe('a backfill against a rate-limiting, failing upstream', () => {
  it('waits what 429 Retry-After asks before asking again', async () => {
    const clock = fakeClock();
    const server = await env.upstream({ clock: clock.now });
    const root = await env.root({ uri: server.base });
    server.inject({
      match: (r) => r.method === 'GET' && dayOf(r.start) === '2026-01-02',
      times: 1,
      fault: { kind: 'status', status: 429, retryAfter: '1' },
    });
    const run = await backfillInProcess(root, '2026-01-01', '2026-01-04', clock);
    expect(run).toMatchObject({ completed: 3, retries: 1 });
    const gets = server.requests.filter((r) => r.method === 'GET' && dayOf(r.start) === '2026-01-02');
    expect(gets.map((r) => r.fault)).toEqual(['status', null]);
    expect(gets[1]!.at - gets[0]!.at).toBe(1000);
    expect(clock.slept).toContain(1000);
  });

  it('fails with exit 4 when the run retry budget is spent, keeping the windows it completed', async () => {
    const server = await env.upstream();
    const root = await env.root({ uri: server.base, retry_budget: 1, max_attempts: 5 });
    server.inject({
      match: (r) => r.method === 'GET' && dayOf(r.start) === '2026-01-03',
      fault: { kind: 'status', status: 503, retryAfter: '0' },
    });
    const run = await backfill(root, '2026-01-01', '2026-01-06');
    expect(run.status).toBe(4);
    expect(run.stderr).toContain("the run's retry budget (1 retries) is spent");
    expect(run.stderr).toContain('2 of 5 window(s) completed and recorded');
    expect(run.stderr).toContain('rerun the same command to resume');
    expect(run.stderr).toMatch(/\[UPSTREAM_FAILED\]\n$/);
    // Windows after the budget ran out were never asked for.
    expect(server.requests.some((r) => ['2026-01-04', '2026-01-05'].includes(dayOf(r.start) ?? ''))).toBe(
      false,
    );
    expect(completedWindowsOf(root.dir).map((w) => w.slice(0, 10))).toEqual(['2026-01-01', '2026-01-02']);
    expect(rawCaptures(root.dir)).toHaveLength(2);

    const [parent] = ledgerEvents(root.dir, { type: 'run.started' }).filter(
      (e) => (e.payload as { stage: string }).stage === 'backfill',
    );
    const record = JSON.parse(
      readFileSync(join(root.dir, 'data', 'work', DS, 'runs', parent!.run_id, 'run_record.json'), 'utf8'),
    ) as RunRecord;
    expect(record.status).toBe('failed');
    expect(record.backfill?.windows.map((w) => w.status)).toEqual([
      'completed',
      'completed',
      'failed',
      'pending',
      'pending',
    ]);
    expect(record.backfill?.windows[2]?.error?.code).toBe('UPSTREAM_FAILED');
  });

  it('never lets more requests through in a second than upstream.rate_limit', async () => {
    const clock = fakeClock();
    const server = await env.upstream({ clock: clock.now });
    const rate = 4;
    const root = await env.root({ uri: server.base, rate_limit: rate });
    const run = await backfillInProcess(root, '2026-01-01', '2026-01-06', clock);
    expect(run).toMatchObject({ completed: 5, requests: 10 });
    // One request every 1/rate s from the first, so no one-second window holds more than `rate`.
    expect(server.requests.map((r) => r.at)).toEqual(Array.from({ length: 10 }, (_, i) => i * 250));
    expect(server.maxWithin(1000)).toBe(rate);
  });

  it('retries an answer slower than the timeout and a body cut mid-way, capturing only whole pages', async () => {
    const clock = fakeClock();
    const server = await env.upstream({ pageSize: 3, clock: clock.now });
    const root = await env.root({ uri: server.base, timeout_ms: 400, base_delay_ms: 10 });
    const day2 = (r: { method: string; start: string | null; page: number }) =>
      r.method === 'GET' && dayOf(r.start) === '2026-01-02';
    server.inject({
      match: (r) => day2(r) && r.page === 1,
      times: 1,
      fault: { kind: 'slow', delayMs: 60_000 },
    });
    server.inject({
      match: (r) => day2(r) && r.page === 2,
      times: 1,
      fault: { kind: 'cut', afterBytes: 10 },
    });
    // The slow answer's request has arrived and sends no headers: the timeout armed for it fires.
    let armedAtArrival: number[] = [];
    server.onRequest((r) => {
      if (r.fault !== 'slow') return;
      const armed = clock.pending();
      armedAtArrival = armed.map((t) => t.ms);
      armed[0]?.fire();
    });
    const attempts: AttemptInfo[] = [];
    const run = await backfillInProcess(root, '2026-01-01', '2026-01-03', {
      ...clock,
      onAttempt: (a) => attempts.push(a),
    });
    expect(run).toMatchObject({ completed: 2, retries: 2 });
    expect(armedAtArrival).toEqual([400]);
    expect(attempts.filter((a) => a.outcome === 'retry').map((a) => a.error)).toEqual([
      'no response headers within 400 ms',
      // However many of its 10 bytes the client read before the socket closed.
      expect.stringMatching(/^body cut after \d+ of \d+ bytes/),
    ]);
    expect(server.requests.filter(day2).map((r) => [r.page, r.fault])).toEqual([
      [1, 'slow'],
      [1, null],
      [2, 'cut'],
      [2, null],
    ]);
    const rows = ledgerEvents(root.dir, { type: 'backfill.window.completed' }).map(
      (e) => (e.payload as { rows: number; files: number }).rows,
    );
    expect(rows).toEqual([5, 5]);
    expect(rawCaptures(root.dir)).toHaveLength(4);
  });
});
