import { describe, expect, it } from 'vitest';
import { etaSeconds, formatDuration, progressLine } from '../../../src/contract/backfill/progress.js';
import { stageRequest } from '../../../src/contract/stage-request.js';

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe('stageRequest for backfill', () => {
  const window = { since: '2026-01-01', until: '2026-02-01' };

  it('needs both --since and --until: a backfill is an explicit window', () => {
    expect(codeOf(() => stageRequest('backfill', 'ks_x', { since: '2026-01-01' }))).toBe('USAGE');
    expect(codeOf(() => stageRequest('backfill', 'ks_x', { until: '2026-01-01' }))).toBe('USAGE');
  });

  it('starts a new run (no --run_id needed) and records the default batch P1D explicitly', () => {
    const request = stageRequest('backfill', 'ks_x', window);
    expect(request.flags.batch).toBe('P1D');
    expect(request.window).toEqual({ since: '2026-01-01T00:00:00.000Z', until: '2026-02-01T00:00:00.000Z' });
    expect(stageRequest('backfill', 'ks_x', { ...window, batch: 'PT6H' }).flags.batch).toBe('PT6H');
  });

  it('refuses a batch that is not a fixed-length duration, or that cuts too many windows', () => {
    expect(codeOf(() => stageRequest('backfill', 'ks_x', { ...window, batch: 'P1M' }))).toBe('USAGE');
    expect(codeOf(() => stageRequest('backfill', 'ks_x', { ...window, batch: 'daily' }))).toBe('USAGE');
    expect(
      codeOf(() =>
        stageRequest('backfill', 'ks_x', { since: '2000-01-01', until: '2030-01-01', batch: 'PT1S' }),
      ),
    ).toBe('USAGE');
  });

  it('refuses --batch on every other stage', () => {
    expect(codeOf(() => stageRequest('ingest', 'ks_x', { batch: 'P1D' }))).toBe('USAGE');
    expect(codeOf(() => stageRequest('validate', 'ks_x', { run_id: 'r1', batch: 'P1D' }))).toBe('USAGE');
  });
});

describe('backfill progress', () => {
  it('shows windows done of total, the rate and the time left', () => {
    expect(progressLine({ done: 10, total: 40, elapsedMs: 5000 }, 8)).toBe(
      '[##------]  10/40 windows  2.0 windows/s  ETA 15s',
    );
    expect(progressLine({ done: 0, total: 3, elapsedMs: 0 }, 4)).toBe('[----]  0/3 windows');
  });

  it('estimates from the rate so far', () => {
    expect(etaSeconds({ done: 1, total: 3601, elapsedMs: 1000 })).toBe(3600);
    expect(formatDuration(3600)).toBe('1h00m');
    expect(formatDuration(75)).toBe('1m15s');
  });
});
