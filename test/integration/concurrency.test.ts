import { describe, expect, it } from 'vitest';
import { runAppendWorkers, type WorkerPlan } from '../support/append-workers.js';
import { runKfm, runKfmJson } from '../support/kfm-cli.js';
import { ledgerPath, readRows, withLedgerFile } from '../support/ledger-file.js';
import { useTempDirs } from '../support/temp-dirs.js';

// Several OS processes append to one ledger file at once, each in many small transactions.
// The ledger must serialise them into one linear chain: seq 1..N, nothing lost, verify passes.

interface ConcurrentEvent {
  seq: number;
  worker: number;
  n: number;
}

function readConcurrentEvents(path: string): ConcurrentEvent[] {
  return withLedgerFile(path, readRows).map((row) => {
    const { payload } = JSON.parse(row.body.toString('utf8')) as { payload: { worker: number; n: number } };
    return { seq: row.seq, worker: payload.worker, n: payload.n };
  });
}

/** How often the chain passes from one worker's events to another's: ≥ workers means they interleaved. */
function handovers(events: readonly ConcurrentEvent[]): number {
  return events.filter((e, i) => i > 0 && e.worker !== events[i - 1]!.worker).length;
}

async function expectOneLinearChain(root: string, plan: WorkerPlan): Promise<void> {
  const total = plan.workers * plan.eventsEach;
  const events = readConcurrentEvents(ledgerPath(root));

  // One chain, no gap: seq is exactly 1..N.
  expect(events.map((e) => e.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
  // None lost, none doubled, and each worker's own events in the order it appended them.
  for (let worker = 0; worker < plan.workers; worker++) {
    const own = events.filter((e) => e.worker === worker).map((e) => e.n);
    expect(own).toEqual(Array.from({ length: plan.eventsEach }, (_, n) => n));
  }
  // The workers really ran at once: their events interleave rather than follow one another.
  expect(handovers(events)).toBeGreaterThan(plan.workers);

  const verify = await runKfmJson(['--root', root, '--json', 'verify']);
  expect(verify.status).toBe(0);
  expect(verify.json).toMatchObject({ ok: true, events: total, failures: [] });
}

describe('appending from several OS processes at once', () => {
  const tempRoot = useTempDirs('concurrency');

  it('gives one linear chain with every event of every worker, and verify passes', async () => {
    const root = tempRoot();
    expect((await runKfm(['--root', root, 'init'])).status).toBe(0);
    const plan: WorkerPlan = { workers: 4, eventsEach: 200, maxBatch: 6 };

    const results = await runAppendWorkers(ledgerPath(root), plan);

    // Each worker was told the seqs of its events; together they are 1..N, each given once.
    const given = results.flatMap((r) => r.seqs).sort((a, b) => a - b);
    expect(given).toEqual(Array.from({ length: plan.workers * plan.eventsEach }, (_, i) => i + 1));
    for (const r of results) expect(r.transactions).toBeGreaterThanOrEqual(plan.eventsEach / plan.maxBatch);
    await expectOneLinearChain(root, plan);
  });

  it('also when the workers race to create and migrate a new ledger file', async () => {
    const root = tempRoot();
    const plan: WorkerPlan = { workers: 4, eventsEach: 50, maxBatch: 2, create: true };

    await runAppendWorkers(ledgerPath(root), plan);

    await expectOneLinearChain(root, plan);
  });
});
