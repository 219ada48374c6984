import { describe, expect, it } from 'vitest';
import { projectAllFiles } from '../../../src/contract/projected-files.js';
import { nobleSha256Hex } from '../../../src/ledger/pure/event-hash.js';
import { renderReceipt } from '../../../src/projections/render-receipt.js';
import { projectRunRecord } from '../../../src/projections/run-record.js';
import { H, ledgerEvents, started } from '../../support/ledger-events.js';

const day = (d: number) => new Date(Date.UTC(2026, 0, 1 + d)).toISOString();
const w = (a: number, b: number) => ({ since: day(a), until: day(b) });
const backfillStarted = (a: number, b: number, batch = 'P1D') => ({
  ...started('backfill'),
  args: { batch },
  window: w(a, b),
});
const child = (parent: string, a: number, b: number, stage = 'ingest') => ({
  ...started(stage),
  window: w(a, b),
  parent_run_id: parent,
});
const failed = (code: string) => ({ status: 'failed', error: { code, message: `${code} happened` } });

// An earlier backfill completed day 0; this one (p2) covers days 0..5: day 1 completes, day 2 fails
// validation, day 3 is cut off, days 4 and 5 are never attempted (the retry budget ran out).
const events = ledgerEvents('ks_x', [
  ['p1', 'run.started', backfillStarted(0, 1)],
  ['a0', 'run.started', child('p1', 0, 1)],
  ['a0', 'run.completed', { status: 'succeeded' }],
  [
    'p1',
    'backfill.window.completed',
    { window: w(0, 1), child_run_id: 'a0', files: 1, rows: 5, sha256: H('0') },
  ],
  ['p1', 'run.completed', { status: 'succeeded' }],
  ['p2', 'run.started', backfillStarted(0, 6)],
  ['b1', 'run.started', child('p2', 1, 2)],
  ['b1', 'run.completed', { status: 'succeeded' }],
  ['b1', 'run.started', child('p2', 1, 2, 'validate')],
  ['b1', 'run.completed', { status: 'succeeded' }],
  [
    'p2',
    'backfill.window.completed',
    { window: w(1, 2), child_run_id: 'b1', files: 2, rows: 5, sha256: H('1') },
  ],
  ['b2', 'run.started', child('p2', 2, 3)],
  ['b2', 'run.completed', { status: 'succeeded' }],
  ['b2', 'run.started', child('p2', 2, 3, 'validate')],
  ['b2', 'run.completed', failed('VALIDATION_FAILED')],
  ['b3', 'run.started', child('p2', 3, 4)],
  ['b3', 'run.completed', failed('INTERRUPTED')],
  ['p2', 'run.completed', failed('UPSTREAM_FAILED')],
  ['p3', 'run.started', started('ingest')],
]);
const runOf = (id: string) => events.filter((e) => e.run_id === id);

describe("a backfill parent's run_record", () => {
  const record = projectRunRecord(runOf('p2'), events)!;

  it('lists every planned window with its outcome, child run and timings', () => {
    expect(record.backfill?.windows.map((x) => [x.since.slice(0, 10), x.status, x.child_run_id])).toEqual([
      ['2026-01-02', 'completed', 'b1'],
      ['2026-01-03', 'failed', 'b2'],
      ['2026-01-04', 'interrupted', 'b3'],
      ['2026-01-05', 'pending', null],
      ['2026-01-06', 'pending', null],
    ]);
    const [done, bad] = record.backfill!.windows;
    // ledgerEvents spaces events 1 s apart: b1 started at its run.started, completed 4 events later.
    expect(done).toMatchObject({ files: 2, rows: 5, sha256: H('1'), duration_ms: 4000, error: null });
    expect(bad?.error).toEqual({ code: 'VALIDATION_FAILED', message: 'VALIDATION_FAILED happened' });
  });

  it('names the windows completed before it, which it skipped', () => {
    expect(record.backfill?.already_completed).toEqual([{ ...w(0, 1), run_id: 'p1', windows: 1 }]);
    expect(record.backfill?.totals).toEqual({
      windows: 5,
      completed: 1,
      failed: 1,
      interrupted: 1,
      pending: 2,
      already_completed: 1,
      files: 2,
      rows: 5,
    });
  });

  it("reads only events up to the run's last one, so later events never change it", () => {
    const later = [
      ...events,
      ...ledgerEvents('ks_x', [['b4', 'run.started', child('p2', 4, 5)]]).map((e) => ({ ...e, seq: 1000 })),
    ];
    expect(renderReceipt(projectRunRecord(runOf('p2'), later))).toBe(renderReceipt(record));
  });

  it('is what replay renders for it, and other runs have no backfill section', () => {
    const files = projectAllFiles(events, nobleSha256Hex);
    const file = files.find((f) => f.path === 'ks_x/runs/p2/run_record.json');
    expect(file?.content).toBe(renderReceipt(record));
    expect(projectRunRecord(runOf('b1'), events)).not.toHaveProperty('backfill');
    expect(projectRunRecord(runOf('p2'))).not.toHaveProperty('backfill');
  });
});
