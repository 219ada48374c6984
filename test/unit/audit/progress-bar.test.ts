import { describe, expect, it } from 'vitest';
import { progressBar } from '../../../src/audit/progress-bar.js';

/** A bar on a fake clock, recording what it writes. */
function fakeBar(options: { delayMs?: number; intervalMs?: number; columns?: number } = {}) {
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

  it('adds the rate and the ETA of the current phase, measured on its clock', () => {
    const { bar, written, at } = fakeBar({ delayMs: 0, intervalMs: 0 });
    at(1000);
    bar.update('events verified', 0, 30_000);
    at(3000);
    bar.update('events verified', 10_000, 30_000);
    expect(written[0]?.endsWith('0/30000')).toBe(true);
    expect(written[1]?.endsWith('10000/30000  5000/s  ETA 4s')).toBe(true);
    // A new phase starts its own clock: files hashed at 2 per second, 60 to go, is 30 s.
    at(10_000);
    bar.update('files hashed', 0, 64);
    at(12_000);
    bar.update('files hashed', 4, 64);
    expect(written[3]?.endsWith('4/64  2/s  ETA 30s')).toBe(true);
    at(13_000);
    bar.update('files hashed', 64, 64);
    expect(written[4]?.endsWith('64/64  21/s')).toBe(true);
  });

  it('never draws wider than the terminal, so the line is redrawn in place instead of wrapping', () => {
    const { bar, written, at } = fakeBar({ delayMs: 0, columns: 40 });
    at(1000);
    bar.update('events verified', 5, 10);
    expect(written[0]).toBe('\r\x1b[2Kkfm verify --deep  events verified  [##');
    expect([...written[0]!.slice('\r\x1b[2K'.length)]).toHaveLength(39);
  });

  it('shows a full bar for an empty total instead of dividing by zero', () => {
    const { bar, written } = fakeBar({ delayMs: 0 });
    bar.update('files hashed', 0, 0);
    expect(written[0]).toContain('[##########] 100%  0/0');
  });
});
