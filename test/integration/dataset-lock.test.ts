import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { processStart } from '../../src/ledger/sqlite/dataset-lock-file.js';
import { SITES, STATIONS } from '../support/examples.js';
import { type KfmRun, runKfm } from '../support/kfm-cli.js';
import { ledgerEvents } from '../support/ledger-file.js';
import { initRoot } from '../support/stage-root.js';
import { useTempDirs } from '../support/temp-dirs.js';

// Items 8 and 9 of issue 10: one stage per dataset at a time. A second stage of a busy dataset
// waits (--wait, here 0 so no real time passes) and exits 2 DATASET_BUSY having recorded nothing;
// a lock whose holder is gone — dead, its pid reused, or a file that is not a whole lock — is taken
// over; stages of other datasets run on; concurrent stages of one dataset leave a clean ledger.

const RUN = '01JLOCK000000000000000000A';

function kfm(root: string, args: readonly string[]): Promise<KfmRun> {
  return runKfm(['--root', root, ...args]);
}

async function ok(run: Promise<KfmRun>): Promise<KfmRun> {
  const done = await run;
  if (done.status !== 0) throw new Error(`exited ${done.status}:\n${done.stdout}\n${done.stderr}`);
  return done;
}

function lockFile(root: string, datasetId: string): string {
  return join(root, 'ledger', 'locks', `${datasetId}.lock`);
}

function writeLock(root: string, datasetId: string, content: string): void {
  mkdirSync(join(root, 'ledger', 'locks'), { recursive: true });
  writeFileSync(lockFile(root, datasetId), content);
}

/** A lock this test process holds: alive for as long as the test runs. */
function liveHolder(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    pid: process.pid,
    host: hostname(),
    started: processStart(process.pid),
    token: 'feedfacefeedface',
    stage: 'promote',
    run_id: RUN,
    since: '2026-01-01T00:00:00.000Z',
    ...overrides,
  });
}

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('the per-dataset stage lock', () => {
  const roots = useTempDirs('lock');
  let validated = '';

  beforeAll(async () => {
    validated = roots();
    await initRoot(validated);
    for (const args of [
      ['ingest', SITES, '--run_id', RUN],
      ['transform', SITES, '--run_id', RUN],
      ['validate', SITES, '--run_id', RUN],
    ])
      await ok(kfm(validated, args));
  }, 120_000);

  it('a stage of a dataset another live stage holds exits 2 DATASET_BUSY after --wait, recording nothing', async () => {
    const root = roots.clone(validated);
    writeLock(root, SITES, liveHolder());
    const before = ledgerEvents(root).length;

    const busy = await kfm(root, ['--json', 'promote', SITES, '--run_id', RUN, '--wait', '0']);

    expect(busy.status).toBe(2);
    const error = JSON.parse(busy.stdout) as { code: string; message: string };
    expect(error.code).toBe('DATASET_BUSY');
    expect(error.message).toContain(`pid ${process.pid}`);
    expect(error.message).toContain('--wait');
    expect(ledgerEvents(root)).toHaveLength(before);
    expect(readFileSync(lockFile(root, SITES), 'utf8')).toBe(liveHolder());
  });

  it('a stage that has to wait says for whom, then gives up at the end of its --wait', async () => {
    const root = roots.clone(validated);
    writeLock(root, SITES, liveHolder());
    const busy = await kfm(root, ['validate', SITES, '--run_id', RUN, '--wait', '0.2']);
    expect(busy.status).toBe(2);
    expect(busy.stderr).toContain(
      `waiting up to 0.2s (--wait) for the promote stage of ${SITES} (pid ${process.pid})`,
    );
    expect(busy.stderr).toMatch(/DATASET_BUSY/);
  });

  it('stages of another dataset run while one dataset is held', async () => {
    const root = roots.clone(validated);
    writeLock(root, STATIONS, liveHolder({ run_id: null }));
    await ok(kfm(root, ['ingest', SITES, '--wait', '0']));
    expect(existsSync(lockFile(root, SITES))).toBe(false);
  });

  it.each([
    ['whose process is gone', () => liveHolder({ pid: deadPid() })],
    ['whose pid now belongs to another process (pid reuse)', () => liveHolder({ started: '1' })],
    ['that is not a whole lock (cut short)', () => '{"pid": 12'],
  ])('a lock %s is taken over', async (_, content) => {
    const root = roots.clone(validated);
    writeLock(root, SITES, content());
    await ok(kfm(root, ['validate', SITES, '--run_id', RUN, '--wait', '0']));
    expect(existsSync(lockFile(root, SITES))).toBe(false);
    expect((await kfm(root, ['verify', '--deep'])).status).toBe(0);
  });

  it('refuses a --wait that is not a number of seconds, before anything is read', async () => {
    const run = await kfm(validated, ['--json', 'promote', SITES, '--run_id', RUN, '--wait', 'soon']);
    expect(run.status).toBe(2);
    expect(JSON.parse(run.stdout)).toMatchObject({ code: 'USAGE' });
  });

  it('two ingests given the same --run_id at once: one records the run, the other exits 2 recording nothing', async () => {
    const root = roots.clone(validated);
    const before = ledgerEvents(root).length;
    const id = '01JLOCK000000000000000000B';
    const runs = await Promise.all([0, 1].map(() => kfm(root, ['--json', 'ingest', SITES, '--run_id', id])));
    expect(runs.map((r) => r.status).sort()).toEqual([0, 2]);
    const refused = runs.find((r) => r.status === 2)!;
    expect(JSON.parse(refused.stdout)).toMatchObject({ code: 'USAGE' });
    expect(ledgerEvents(root, { run_id: id, type: 'run.started' })).toHaveLength(1);
    expect(ledgerEvents(root, { run_id: id })).toHaveLength(ledgerEvents(root).length - before);
    expect((await kfm(root, ['verify', '--deep'])).status).toBe(0);
  });

  const INTERLEAVINGS: string[][][] = [
    [
      ['promote', SITES, '--run_id', RUN],
      ['promote', SITES, '--run_id', RUN],
    ],
    [
      ['promote', SITES, '--run_id', RUN],
      ['promote', SITES, '--run_id', RUN],
      ['promote', SITES, '--run_id', RUN],
    ],
    [
      ['validate', SITES, '--run_id', RUN],
      ['promote', SITES, '--run_id', RUN],
      ['ingest', SITES],
    ],
    [
      ['ingest', SITES],
      ['ingest', SITES],
      ['promote', SITES, '--run_id', RUN],
    ],
    [
      ['promote', SITES, '--run_id', RUN, '--wait', '0'],
      ['promote', SITES, '--run_id', RUN, '--wait', '0'],
    ],
  ];

  it.each(
    INTERLEAVINGS.map(
      (stages) =>
        [stages.map((s) => `${s[0]}${s.includes('--wait') ? ' --wait 0' : ''}`).join(' + '), stages] as const,
    ),
  )(
    'stages started at once (%s) run one after another and leave a ledger verify --deep passes',
    async (_, stages) => {
      for (let round = 0; round < 2; round++) {
        const root = roots.clone(validated);
        const runs = await Promise.all(stages.map((args) => kfm(root, ['--json', ...args])));
        for (const [i, run] of runs.entries()) {
          const waited = stages[i]!.includes('--wait');
          // Without a wait long enough, the only other outcome is DATASET_BUSY with nothing recorded;
          // a stage of RUN that got the lock after a promote of RUN is RUN_CLOSED, checked under the lock.
          const refused = waited ? ['DATASET_BUSY', 'RUN_CLOSED'] : ['RUN_CLOSED'];
          if (run.status === 2 && stages[i]!.includes(RUN))
            expect(refused).toContain((JSON.parse(run.stdout) as { code: string }).code);
          else expect(run.status, run.stdout + run.stderr).toBe(0);
        }
        expect(runs.some((r) => r.status === 0)).toBe(true);
        const promoted = runs
          .filter((r, i) => r.status === 0 && stages[i]![0] === 'promote')
          .map((r) => JSON.parse(r.stdout) as { version_id: string; reused: boolean });
        // The run is promoted once: every other promote of it was refused, whichever came first.
        expect(promoted).toHaveLength(1);
        expect(promoted[0]!.reused).toBe(false);
        expect(ledgerEvents(root, { run_id: RUN, type: 'version.published' })).toHaveLength(1);
        const verify = await kfm(root, ['verify', '--deep']);
        expect(verify.status, verify.stdout).toBe(0);
        expect(existsSync(lockFile(root, SITES))).toBe(false);
      }
    },
    120_000,
  );
});
