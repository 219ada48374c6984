import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { REAL_UPSTREAM_DEPS, upstreamDeps } from '../../../src/upstream/upstream-client.js';

// The integration tests run the client on a fake clock; this proves what a command runs it on
// instead: the real sleep and timers, each waiting exactly what it is asked (on vitest's fake
// timers, so no real time passes here either).

describe('upstreamDeps', () => {
  it('gives a command the real clock, sleep, timers and randomness', () => {
    const deps = upstreamDeps({});
    expect([deps.now, deps.sleep, deps.setTimer, deps.random]).toEqual([
      REAL_UPSTREAM_DEPS.now,
      REAL_UPSTREAM_DEPS.sleep,
      REAL_UPSTREAM_DEPS.setTimer,
      REAL_UPSTREAM_DEPS.random,
    ]);
  });

  it('keeps what a caller passes, and fills in the real ones for the others', () => {
    const sleep = async () => undefined;
    const deps = upstreamDeps({ sleep });
    expect(deps.sleep).toBe(sleep);
    expect(deps.now).toBe(REAL_UPSTREAM_DEPS.now);
  });
});

describe('REAL_UPSTREAM_DEPS', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: Date.UTC(2025, 0, 1) });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sleeps exactly the milliseconds asked', async () => {
    let woke = false;
    const sleeping = REAL_UPSTREAM_DEPS.sleep(1_000).then(() => {
      woke = true;
    });
    await vi.advanceTimersByTimeAsync(999);
    expect(woke).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(woke).toBe(true);
    await sleeping;
  });

  it('reads the clock', () => {
    expect(REAL_UPSTREAM_DEPS.now()).toBe(Date.UTC(2025, 0, 1));
  });

  it('fires a timer at its deadline, and never one that was cancelled', () => {
    const fired: string[] = [];
    REAL_UPSTREAM_DEPS.setTimer(500, () => fired.push('kept'));
    const cancel = REAL_UPSTREAM_DEPS.setTimer(500, () => fired.push('cancelled'));
    cancel();
    vi.advanceTimersByTime(499);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual(['kept']);
  });
});
