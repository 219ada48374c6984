import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import {
  backfill,
  completedWindowsOf,
  DS,
  dayOf,
  type Root,
  rawCaptures,
  type Spawned,
  spawnKfm,
  useBackfillRoots,
} from '../support/backfill-root.js';
import { kfm } from '../support/kfm-cli.js';
import { ledgerEvents } from '../support/ledger-file.js';
import {
  type StreamflowUpstream,
  startStreamflowUpstream,
  type UpstreamRequest,
} from '../support/streamflow-upstream.js';
import { watchUntil } from '../support/watch-until.js';

// Restart safety (issue 6): a backfill killed with SIGKILL at three different moments — mid-download,
// mid-append, between windows — and rerun with the same command ends with exactly the raw captures,
// checksums and recorded windows of an uninterrupted run, never capturing a completed window again.
// Six daily windows, two pages each (five readings a day, pages of three rows). Each kill waits for
// the backfill to show it is where the kill must fall (a request at the upstream, a temp file in
// its folder, a failpoint line in its trace), never for a length of time.

const env = useBackfillRoots('backfill-resume');
const SINCE = '2026-01-01';
const UNTIL = '2026-01-07';
const PAGE_SIZE = 3;

interface Outcome {
  captures: string[];
  windows: string[];
}

let reference: Promise<Outcome> | undefined;
/** The same backfill, never interrupted, in a root and against a server of its own. */
function uninterrupted(): Promise<Outcome> {
  reference ??= (async () => {
    const server = await startStreamflowUpstream({ pageSize: PAGE_SIZE });
    try {
      const root = await env.root({ uri: server.base });
      const run = await backfill(root, SINCE, UNTIL);
      if (run.status !== 0) throw new Error(`reference backfill exited ${run.status}: ${run.stderr}`);
      return { captures: rawCaptures(root.dir), windows: completedWindowsOf(root.dir) };
    } finally {
      await server.close();
    }
  })();
  return reference;
}

function startBackfill(root: Root, env: Record<string, string> = {}) {
  const args = ['backfill', DS, '--since', SINCE, '--until', UNTIL, '--config', root.config];
  return spawnKfm(root.dir, args, env);
}

/** The first request `matches` accepts, as it arrives; rejected if the backfill ends before it. */
function arrival<T>(
  server: StreamflowUpstream,
  first: Spawned,
  matches: (r: UpstreamRequest) => T | undefined,
): Promise<T> {
  return new Promise((resolve, reject) => {
    server.onRequest((r) => {
      const value = matches(r);
      if (value !== undefined) resolve(value);
    });
    void first.done.then((run) => reject(new Error(`the backfill ended before the request:\n${run.stderr}`)));
  });
}

const isPage = (r: { method: string; start: string | null; page: number }, day: string, page: number) =>
  r.method === 'GET' && dayOf(r.start) === day && r.page === page;

/** Raw files of the dataset named like `pattern`, hidden temp files included. */
function rawFiles(rootDir: string, pattern: RegExp): string[] {
  const raw = join(rootDir, 'data', 'raw', DS);
  return readdirSync(raw, { recursive: true, encoding: 'utf8' }).filter((p) => pattern.test(p));
}

/** Resumes with the same command and checks the end state against the uninterrupted run. */
async function resumeAndCompare(root: Root, server: StreamflowUpstream, doneBefore: number): Promise<void> {
  const completedDays = completedWindowsOf(root.dir).map((w) => w.slice(0, 10));
  const firstRequest = server.requests.length;
  const resumed = await backfill(root, SINCE, UNTIL, ['--json']);
  expect(resumed.status, resumed.stderr).toBe(0);
  expect(JSON.parse(resumed.stdout)).toMatchObject({
    already_completed: doneBefore,
    completed: 6 - doneBefore,
  });

  const expected = await uninterrupted();
  expect(rawCaptures(root.dir)).toEqual(expected.captures);
  expect(completedWindowsOf(root.dir)).toEqual(expected.windows);
  // Never captured again: the rerun asked the upstream nothing about a completed window.
  const asked = new Set(server.requests.slice(firstRequest).map((r) => dayOf(r.start)));
  for (const day of completedDays) expect(asked.has(day)).toBe(false);
  // The killed process's open runs were closed, so the ledger verifies and replays clean.
  const interrupted = ledgerEvents(root.dir, { type: 'run.completed' }).filter(
    (e) => (e.payload as { error?: { code: string } }).error?.code === 'INTERRUPTED',
  );
  expect(interrupted.length).toBeGreaterThanOrEqual(1);
  expect((await kfm(root.dir, ['verify'])).status).toBe(0);
  const replay = await kfm(root.dir, ['replay', '--check']);
  expect(replay.status, replay.stdout).toBe(0);
}

describe('a backfill killed with SIGKILL and rerun', () => {
  it('mid-download (the upstream stalls mid-body): resumes at that window, leaving no partial file', async () => {
    const server = await env.upstream({ pageSize: PAGE_SIZE });
    const root = await env.root({ uri: server.base });
    server.inject({
      match: (r) => isPage(r, '2026-01-03', 2),
      times: 1,
      fault: { kind: 'stall', afterBytes: 20 },
    });
    const first = startBackfill(root);
    await arrival(server, first, (r) => (r.fault === 'stall' ? r : undefined));
    // The stalled page's folder is its window's, where page 1 already is: the kill falls once the
    // download's temp file is there.
    const [page1] = rawFiles(root.dir, /readings_20260103T000000Z_20260104T000000Z_p001\.csv$/);
    const temp = /\/\.readings_20260103T000000Z_20260104T000000Z_p002\.csv\..*\.tmp$/;
    await watchUntil(
      join(root.dir, 'data', 'raw', DS, dirname(page1!)),
      () => rawFiles(root.dir, temp).length === 1,
      first.done,
      'the temp file of the stalled page',
    );
    first.child.kill('SIGKILL');
    expect((await first.done).signal).toBe('SIGKILL');
    // The kill fell mid-download: the page's hidden temp file is left, window 3 is not recorded.
    expect(rawFiles(root.dir, temp)).toHaveLength(1);
    expect(completedWindowsOf(root.dir)).toHaveLength(2);
    await resumeAndCompare(root, server, 2);
  });

  it('mid-append (the ledger is locked while the page is stored): resumes, dropping the unrecorded file', async () => {
    const server = await env.upstream({ pageSize: PAGE_SIZE });
    const root = await env.root({ uri: server.base });
    // The backfill's failpoint trace: `event/raw.captured/before` is its way into an append.
    const trace = join(root.dir, 'failpoints.trace');
    writeFileSync(trace, '');
    const appendsIn = () =>
      readFileSync(trace, 'utf8')
        .split('\n')
        .filter((line) => line === 'event/raw.captured/before').length;
    let db: Database.Database | undefined;
    const first = startBackfill(root, { KFM_FAILPOINT_TRACE: trace });
    const appendsBefore = await arrival(server, first, (r) => {
      if (!isPage(r, '2026-01-03', 2) || db !== undefined) return undefined;
      // Another writer holds the ledger: the backfill stores the page, then waits to append raw.captured.
      db = new Database(join(root.dir, 'ledger', 'kfm.sqlite'));
      db.exec('BEGIN IMMEDIATE');
      return appendsIn();
    });
    await watchUntil(trace, () => appendsIn() > appendsBefore, first.done, "the page's append");
    first.child.kill('SIGKILL');
    expect((await first.done).signal).toBe('SIGKILL');
    db?.exec('ROLLBACK');
    db?.close();
    // Killed inside the append: the file is whole on disk, but no raw.captured names it.
    const page = /^[0-9A-Z]{26}\/readings_20260103T000000Z_20260104T000000Z_p002\.csv$/;
    const captured = ledgerEvents(root.dir, { type: 'raw.captured' }).map(
      (e) => (e.payload as { path: string }).path,
    );
    expect(captured.filter((p) => page.test(p))).toEqual([]);
    expect(rawFiles(root.dir, page)).toHaveLength(1);
    await resumeAndCompare(root, server, 2);
  });

  it('between windows (window 3 recorded, window 4 just started): resumes at window 4', async () => {
    const server = await env.upstream({ pageSize: PAGE_SIZE });
    const root = await env.root({ uri: server.base });
    const first = startBackfill(root);
    server.onRequest((r) => {
      if (r.method === 'HEAD' && dayOf(r.start) === '2026-01-04') first.child.kill('SIGKILL');
    });
    expect((await first.done).signal).toBe('SIGKILL');
    expect(completedWindowsOf(root.dir)).toHaveLength(3);
    await resumeAndCompare(root, server, 3);
    // The child run of window 4 and the first parent were both closed as interrupted.
    const closed = ledgerEvents(root.dir, { type: 'run.completed' }).filter(
      (e) => (e.payload as { error?: { code: string } }).error?.code === 'INTERRUPTED',
    );
    expect(closed).toHaveLength(2);
  });

  it('after a partial failure, retries only the failed window', async () => {
    const server = await env.upstream({ pageSize: PAGE_SIZE });
    const root = await env.root({ uri: server.base, max_attempts: 2 });
    server.inject({
      match: (r) => isPage(r, '2026-01-03', 1),
      times: 2,
      fault: { kind: 'status', status: 503, retryAfter: '0' },
    });
    const failed = await backfill(root, SINCE, UNTIL, ['--json']);
    expect(failed.status).toBe(4);
    expect(JSON.parse(failed.stdout)).toMatchObject({
      code: 'UPSTREAM_FAILED',
      details: { completed: 5, failed: 1 },
    });
    const before = server.requests.length;
    const rerun = await backfill(root, SINCE, UNTIL, ['--json']);
    expect(rerun.status, rerun.stderr).toBe(0);
    expect(JSON.parse(rerun.stdout)).toMatchObject({ windows: 1, completed: 1, already_completed: 5 });
    expect(new Set(server.requests.slice(before).map((r) => dayOf(r.start)))).toEqual(
      new Set(['2026-01-03']),
    );
    const expected = await uninterrupted();
    expect(rawCaptures(root.dir)).toEqual(expected.captures);
    expect(completedWindowsOf(root.dir).sort()).toEqual([...expected.windows].sort());
  });
});
