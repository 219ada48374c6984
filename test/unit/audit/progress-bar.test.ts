import { describe, expect, it } from 'vitest';
import { progressBar } from '../../../src/contract/audit/progress-bar.js';

/** A bar on a fake clock, recording what it writes. */
function fakeBar(options: { delayMs?: number; intervalMs?: number } = {}) {
  let t = 0;
  const written: string[] = [];
  const bar = progressBar((s) => written.push(s), { now: () => t, width: 10, ...options });
  return { bar, written, at: (ms: number) => (t = ms) };
}

describe('progressBar', () => {
  it('draws nothing during the first delayMs, so a quick verification shows no bar', () => {
    const { bar, written, at } = fakeBar({ delayMs: 300 });
    at(299);
    bar.update('events verified', 5, 10);
    bar.end();
    expect(written).toEqual([]);
  });

  it('redraws in place with a carriage return: label, bar, percent and counts', () => {
    const { bar, written, at } = fakeBar({ delayMs: 0 });
    at(1000);
    bar.update('events verified', 5, 10);
    expect(written).toEqual(['\r\x1b[2Kkfm verify --deep  events verified  [#####-----]  50%  5/10']);
  });

  it('redraws at most once per intervalMs (~10 per second) within a phase', () => {
    const { bar, written, at } = fakeBar({ delayMs: 0, intervalMs: 100 });
    for (let ms = 0; ms < 1000; ms += 10) {
      at(ms);
      bar.update('events verified', ms, 1000);
    }
    expect(written).toHaveLength(10);
  });

  it('draws a new phase and a finished phase at once, and clears its line at the end', () => {
    const { bar, written, at } = fakeBar({ delayMs: 0, intervalMs: 100 });
    at(500);
    bar.update('events verified', 9, 10);
    bar.update('events verified', 10, 10);
    bar.update('files hashed', 0, 4);
    bar.end();
    expect(written).toHaveLength(4);
    expect(written[1]).toContain('events verified  [##########] 100%  10/10');
    expect(written[2]).toContain('files hashed  [----------]   0%  0/4');
    expect(written[3]).toBe('\r\x1b[2K');
  });

  it('shows a full bar for an empty total instead of dividing by zero', () => {
    const { bar, written } = fakeBar({ delayMs: 0 });
    bar.update('files hashed', 0, 0);
    expect(written[0]).toContain('[##########] 100%  0/0');
  });
});
