import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFailpoint } from '../../../src/failpoints.js';
import { retryUntil, type WaitClock } from '../../../src/ledger/lock-wait.js';

/** An attempt that never gets the lock, counting its tries. */
function neverFree(): { attempt: () => undefined; tries: () => number } {
  let tries = 0;
  return {
    attempt: () => {
      tries++;
      return undefined;
    },
    tries: () => tries,
  };
}

/** A clock that only moves when the loop sleeps: what it slept is exactly what it waited. */
function fakeClock(): WaitClock & { slept: number[] } {
  let t = 1_000_000;
  const slept: number[] = [];
  return {
    slept,
    now: () => t,
    sleep: async (ms) => {
      slept.push(ms);
      t += ms;
    },
  };
}

describe('retryUntil (the wait for a dataset lock)', () => {
  it('with --wait 0 tries exactly once and never sleeps', async () => {
    const clock = fakeClock();
    const held = neverFree();
    const got = await retryUntil(held.attempt, 0, clock);
    expect(got).toBeUndefined();
    expect(held.tries()).toBe(1);
    expect(clock.slept).toEqual([]);
  });

  it('takes the lock on the try after its holder releases it', async () => {
    const clock = fakeClock();
    let tries = 0;
    const got = await retryUntil(() => (++tries === 4 ? 'mine' : undefined), 30_000, clock, 100);
    expect(got).toBe('mine');
    expect(clock.slept).toEqual([100, 100, 100]);
  });

  it('gives up after exactly the wait, trying once more at the deadline', async () => {
    const clock = fakeClock();
    const held = neverFree();
    const got = await retryUntil(held.attempt, 250, clock, 100);
    expect(got).toBeUndefined();
    expect(clock.slept).toEqual([100, 100, 50]);
    expect(held.tries()).toBe(4);
  });

  it('never sleeps past the deadline, and waits it out in full when the lock stays taken', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 5_000 }),
        fc.integer({ min: 1, max: 700 }),
        async (wait, poll) => {
          const clock = fakeClock();
          const held = neverFree();
          await retryUntil(held.attempt, wait, clock, poll);
          const total = clock.slept.reduce((a, b) => a + b, 0);
          expect(total).toBe(wait);
          expect(clock.slept.every((ms) => ms > 0 && ms <= poll)).toBe(true);
          expect(held.tries()).toBe(clock.slept.length + 1);
        },
      ),
    );
  });
});

describe('parseFailpoint (KFM_FAILPOINT=<step>[:<n>])', () => {
  it('reads the step and the pass to die at, the first by default', () => {
    expect(parseFailpoint('event/run.started/after')).toEqual({ step: 'event/run.started/after', n: 1 });
    expect(parseFailpoint('write/catalog/filled:3')).toEqual({ step: 'write/catalog/filled', n: 3 });
  });
});
