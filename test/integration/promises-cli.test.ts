import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { openKfmLedger } from '../../src/compose/open-kfm-ledger.js';
import { AUTO_THREADS_FROM_EVENTS, threadsFor } from '../../src/ledger/sqlite/parallel-verify.js';
import { runKfm, runKfmJson, STACK_FRAME } from '../support/kfm-cli.js';
import {
  dropAppendOnlyTriggers,
  editBody,
  ledgerEvents,
  ledgerPath,
  readRow,
  withLedgerFile,
} from '../support/ledger-file.js';
import { http, startTestServer, type TestServer } from '../support/serve-http.js';
import { useStageRoots } from '../support/stage-root.js';
import { useTempDirs } from '../support/temp-dirs.js';

// Promises of the CLI that no other test held: README "Exit codes" and docs/design.md "CLI
// conventions" (--debug), `kfm lineage --as-of`, the Promotion Contract's "the run has no outputs",
// /healthz?verify=1's spacing, and `kfm verify`'s threads.

const tempDir = useTempDirs('promises-cli');
const STATIONS = 'ks_mesonet_stations';
const COUNTY = 'ks_county_population';
/** Stations first, then county: the county's history starts after the ledger's. */
const roots = useStageRoots('promises-cli', [
  ['ingest', STATIONS],
  ['ingest', COUNTY],
]);

const frames = (text: string) => text.split('\n').filter((line) => line.startsWith('    at '));

describe('--debug', () => {
  /** Each error with the exit code README's table gives it. */
  const errors = [
    {
      name: 'verify of a root with no ledger (LEDGER_UNREADABLE, exit 1)',
      code: 'LEDGER_UNREADABLE',
      exit: 1,
      args: (root: string) => ['--root', root, 'verify'],
    },
    {
      name: 'append from a folder instead of a file (IO, exit 4)',
      code: 'IO',
      exit: 4,
      args: (root: string) => ['--root', root, 'append', '--file', root],
    },
  ];

  it.each(errors)('prints a stack trace for $name, and none without it', async ({ code, exit, args }) => {
    const root = tempDir();
    const plain = await runKfm(args(root));
    expect(plain.status).toBe(exit);
    expect(plain.stderr).toMatch(new RegExp(`^kfm: [^\\n]+ \\[${code}\\]\\n$`));
    expect(frames(plain.stderr)).toEqual([]);
    expect(plain.stderr).not.toMatch(STACK_FRAME);

    const debug = await runKfm([...args(root), '--debug']);
    expect(debug.status).toBe(exit);
    const [message, trace] = [plain.stderr, debug.stderr.slice(plain.stderr.length)];
    expect(debug.stderr.startsWith(message)).toBe(true);
    expect(trace).toMatch(/^KfmError: /);
    expect(frames(trace).length).toBeGreaterThan(0);
    expect(trace).toMatch(STACK_FRAME);

    // --json: the error object on stdout, the trace still on stderr, and only with --debug.
    const json = await runKfmJson<{ code: string }>([...args(root), '--json', '--debug']);
    expect(json.json.code).toBe(code);
    expect(json.status).toBe(exit);
    expect(frames(json.stderr).length).toBeGreaterThan(0);
    const quiet = await runKfmJson<{ code: string }>([...args(root), '--json']);
    expect(quiet.stderr).toBe('');
  });
});

describe("kfm lineage --as-of a point before the dataset's first run", () => {
  it.each([
    ['a seq', (firstSeq: number) => String(firstSeq - 1)],
    ['an ISO time before any event', () => '2000-01-01T00:00:00Z'],
  ])('as %s: exit 2 NOT_FOUND, naming the seq its first run starts at', async (_, asOf) => {
    const root = await roots.root();
    const firstSeq = ledgerEvents(root, { dataset_id: COUNTY })[0]!.seq;
    expect(firstSeq).toBeGreaterThan(1);
    const run = await runKfmJson(['--root', root, '--json', 'lineage', COUNTY, '--as-of', asOf(firstSeq)]);
    expect(run.json).toEqual({
      code: 'NOT_FOUND',
      message: `dataset ${COUNTY} has no runs in the ledger as of seq ${firstSeq - 1}: its first run starts at seq ${firstSeq}; give --as-of ${firstSeq} or later`,
      details: { dataset_id: COUNTY, as_of_seq: firstSeq - 1, first_seq: firstSeq },
    });
    expect(run.status).toBe(2);
    const human = await runKfm(['--root', root, 'lineage', COUNTY, '--as-of', asOf(firstSeq)]);
    expect(human.stderr).toBe(`kfm: ${(run.json as { message: string }).message} [NOT_FOUND]\n`);
    expect(human.status).toBe(2);
  });
});

describe('the Promotion Contract on a run with no outputs', () => {
  it('denies ARTIFACT_CHECKSUM_MISSING "the run has no outputs to publish" (exit 3, recorded)', async () => {
    const root = tempDir();
    expect((await runKfm(['--root', root, 'init'])).status).toBe(0);
    const declared = ['--license', 'CC-BY-4.0', '--sensitivity', 'public'];
    const scaffold = await runKfm([
      '--root',
      root,
      'connector',
      'new',
      'empty_sites',
      '--from',
      'csv',
      ...declared,
    ]);
    expect(scaffold.status, scaffold.stderr).toBe(0);
    // Its discovery finds nothing: the ingest succeeds with no capture, so the run has no output.
    const connector = join(root, 'connectors', 'empty_sites', 'connector.js');
    const source = readFileSync(connector, 'utf8');
    expect(source).toContain("    time_fields: ['observed_on'],\n");
    writeFileSync(
      connector,
      source.replace(
        "    time_fields: ['observed_on'],\n",
        "    time_fields: ['observed_on'],\n    discover: () => [],\n",
      ),
    );
    const ingest = await runKfmJson<{ run_id: string; captured: number }>([
      '--root',
      root,
      '--json',
      'ingest',
      'empty_sites',
    ]);
    expect(ingest.json.captured).toBe(0);
    expect(ingest.status).toBe(0);

    const promote = await runKfmJson<{ status: string; reasons: unknown[] }>([
      '--root',
      root,
      '--json',
      'promote',
      'empty_sites',
      '--run_id',
      ingest.json.run_id,
    ]);
    const reasons = [
      { code: 'VALIDATION_MISSING', message: 'the run was never validated: run kfm validate first' },
      { code: 'ARTIFACT_CHECKSUM_MISSING', message: 'the run has no outputs to publish' },
    ];
    expect(promote.json).toMatchObject({ status: 'denied', reasons });
    expect(promote.status).toBe(3);
    const denied = ledgerEvents(root, { type: 'promotion.denied', run_id: ingest.json.run_id });
    expect(denied.map((e) => e.payload)).toEqual([{ reasons }]);
    expect(existsSync(join(root, 'data', 'processed', 'empty_sites'))).toBe(false);
  });
});

describe('/healthz?verify=1', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('verifies the chain again at most every 10 s of its clock', async () => {
    const root = await roots.root();
    const t0 = Date.parse('2026-03-01T12:00:00.000Z');
    let t = t0;
    server = await startTestServer({ root, now: () => t });
    const get = async (path: string) => {
      const answer = await http(server!.url, path);
      const body = answer.json<{
        status: string;
        verification: { finished_at: string; failures: unknown[] };
      }>();
      return { status: answer.status, body };
    };
    const startUp = await get('/healthz');
    expect(startUp).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(startUp.body.verification.finished_at).toBe('2026-03-01T12:00:00.000Z');

    // A tampered body that only a new verification can see.
    const seq = ledgerEvents(root, { type: 'raw.captured', dataset_id: STATIONS })[0]!.seq;
    withLedgerFile(ledgerPath(root), (db) => {
      dropAppendOnlyTriggers(db);
      const stored = readRow(db, seq).body;
      const bytes = /"bytes":(\d+)/.exec(stored.toString('utf8'))![1]!;
      const body = editBody(stored, `"bytes":${bytes}`, `"bytes":${Number(bytes) + 1}`);
      db.prepare('UPDATE events SET body = ? WHERE seq = ?').run(body, seq);
    });

    t = t0 + 9_999;
    const early = await get('/healthz?verify=1');
    expect(early).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(early.body.verification.finished_at).toBe('2026-03-01T12:00:00.000Z');

    t = t0 + 10_000;
    const due = await get('/healthz?verify=1');
    expect(due).toMatchObject({ status: 503, body: { status: 'failing' } });
    expect(due.body.verification.finished_at).toBe('2026-03-01T12:00:10.000Z');
    expect(due.body.verification.failures).toEqual([
      { seq, code: 'BODY_HASH_MISMATCH', message: expect.any(String) },
    ]);

    // Without ?verify=1 nothing runs, however late.
    t = t0 + 60_000;
    expect((await get('/healthz')).body.verification.finished_at).toBe('2026-03-01T12:00:10.000Z');
  });
});

describe('kfm verify splitting its chain check into threads', () => {
  const HOOK = fileURLToPath(new URL('../support/count-workers.mjs', import.meta.url));

  it(`plans one thread below ${AUTO_THREADS_FROM_EVENTS} events, and up to two cores' worth from there`, () => {
    expect(AUTO_THREADS_FROM_EVENTS).toBe(50_000);
    expect(threadsFor(49_999, 'auto')).toBe(1);
    expect(threadsFor(50_000, 'auto')).toBe(Math.min(availableParallelism(), 2));
    expect(threadsFor(1_000_000, 'auto')).toBe(Math.min(availableParallelism(), 2));
    expect(threadsFor(10, 3)).toBe(3);
  });

  it('starts no worker at 49,999 events and one per extra thread at 50,000 (the same report)', async () => {
    const root = tempDir();
    mkdirSync(join(root, 'ledger'));
    const ledger = await openKfmLedger(ledgerPath(root), {
      actor: { tool: 'test', tool_version: '0' },
      create: true,
    });
    try {
      const drafts = Array.from({ length: 49_999 }, (_, i) => ({
        type: 'x.test.note',
        dataset_id: 'ds',
        run_id: 'r1',
        payload: { i },
      }));
      await ledger.append(drafts);
    } finally {
      await ledger.close();
    }
    const verify = async () => {
      const log = join(tempDir(), 'workers.log');
      const run = await runKfmJson<{ ok: boolean; events: number }>(['--root', root, '--json', 'verify'], {
        nodeArgs: ['--import', HOOK],
        env: { KFM_WORKER_LOG: log },
      });
      const workers = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).length : 0;
      return { status: run.status, report: run.json, workers };
    };
    expect(await verify()).toMatchObject({ status: 0, report: { ok: true, events: 49_999 }, workers: 0 });

    const one = await runKfm(['--root', root, 'append'], {
      input: `${JSON.stringify({ type: 'x.test.note', dataset_id: 'ds', run_id: 'r1', payload: { i: 49_999 } })}\n`,
    });
    expect(one.status, one.stderr).toBe(0);
    expect(await verify()).toMatchObject({
      status: 0,
      report: { ok: true, events: 50_000 },
      workers: Math.min(availableParallelism(), 2) - 1,
    });
  });
});
