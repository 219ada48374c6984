import { describe, expect, it } from 'vitest';
import { createRunUpstream, upstreamSettings } from '../../../src/upstream/run-upstream.js';
import { tokenBucket } from '../../../src/upstream/token-bucket.js';

/** A fake clock: sleeping advances time at once, and every sleep is remembered. */
function fakeClock(start = 0) {
  let now = start;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    sleeps,
  };
}

describe('tokenBucket', () => {
  it('lets requests through at most `rate` a second, the first at once', async () => {
    const clock = fakeClock();
    const take = tokenBucket(4, clock);
    const at: number[] = [];
    for (let i = 0; i < 9; i++) {
      await take();
      at.push(clock.now());
    }
    expect(at).toEqual([0, 250, 500, 750, 1000, 1250, 1500, 1750, 2000]);
    for (let i = 4; i < at.length; i++) expect(at[i]! - at[i - 4]!).toBeGreaterThanOrEqual(1000);
  });

  it('spaces from when a request was let through, so a late wake-up never lets the next catch up', async () => {
    const clock = fakeClock();
    const take = tokenBucket(2, {
      now: clock.now,
      // Timers fire late: 300 ms past the asked wait.
      sleep: (ms) => clock.sleep(ms + 300),
    });
    const at: number[] = [];
    for (let i = 0; i < 4; i++) {
      await take();
      at.push(clock.now());
    }
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(500);
  });

  it('serves concurrent callers one at a time in arrival order', async () => {
    const clock = fakeClock();
    const take = tokenBucket(10, clock);
    const order: number[] = [];
    await Promise.all([0, 1, 2, 3].map((i) => take().then(() => order.push(i))));
    expect(order).toEqual([0, 1, 2, 3]);
    expect(clock.now()).toBe(300);
  });

  it('refuses a rate that is not a positive number', () => {
    expect(() => tokenBucket(0, fakeClock())).toThrow(RangeError);
    expect(() => tokenBucket(Number.NaN, fakeClock())).toThrow(RangeError);
  });
});

/** A fetch that answers from a script of statuses; every call is counted. */
function scriptedFetch(statuses: { status: number; retryAfter?: string }[]) {
  const calls: string[] = [];
  const fetch = (async (url: string | URL) => {
    calls.push(String(url));
    const step = statuses[Math.min(calls.length - 1, statuses.length - 1)]!;
    const headers = step.retryAfter === undefined ? undefined : { 'retry-after': step.retryAfter };
    return new Response(step.status === 200 ? 'a,b\n1,2\n' : `status ${step.status}`, {
      status: step.status,
      ...(headers === undefined ? {} : { headers }),
    });
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

const drain = async (body: AsyncIterable<Uint8Array>) => {
  for await (const _ of body);
  return 'ok';
};

describe('createRunUpstream', () => {
  it('waits exactly what Retry-After asks (fake clock), then retries through the rate limit', async () => {
    const clock = fakeClock(Date.UTC(2026, 0, 1));
    const { fetch, calls } = scriptedFetch([{ status: 429, retryAfter: '7' }, { status: 200 }]);
    const run = createRunUpstream(
      { rate_limit: 100, retry_budget: 5, policy: {} },
      { fetch, now: clock.now, sleep: clock.sleep, random: () => 0.5 },
    );
    const { result, attempts } = await run.client.fetchToSink('http://upstream.test/x', drain);
    expect(result).toBe('ok');
    expect(attempts).toBe(2);
    expect(calls).toHaveLength(2);
    expect(clock.sleeps).toContain(7000);
    expect(run.limits.retries()).toBe(1);
    expect(run.limits.requests()).toBe(2);
  });

  it("fails the request once the run's retry budget is spent, whatever attempts the request has left", async () => {
    const clock = fakeClock();
    const { fetch, calls } = scriptedFetch([{ status: 503, retryAfter: '0' }]);
    const run = createRunUpstream(
      { rate_limit: null, retry_budget: 2, policy: { maxAttempts: 10 } },
      { fetch, now: clock.now, sleep: clock.sleep, random: () => 0 },
    );
    const error = await run.client.fetchToSink('http://upstream.test/x', drain).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'UPSTREAM_FAILED', exitCode: 4 });
    expect((error as Error).message).toContain("the run's retry budget is spent");
    expect(calls).toHaveLength(3);
    expect(run.limits.budgetSpent()).toBe(true);
    // The budget is the run's: the next request gets no retry at all.
    await expect(run.client.fetchToSink('http://upstream.test/y', drain)).rejects.toMatchObject({
      code: 'UPSTREAM_FAILED',
      message: expect.stringContaining("the run's retry budget is spent"),
    });
    expect(calls).toHaveLength(4);
  });

  it('stops a request at its own max_attempts while the run budget lasts', async () => {
    const clock = fakeClock();
    const { fetch, calls } = scriptedFetch([{ status: 503, retryAfter: '0' }]);
    const run = createRunUpstream(
      { rate_limit: null, retry_budget: 50, policy: { maxAttempts: 3 } },
      { fetch, now: clock.now, sleep: clock.sleep, random: () => 0 },
    );
    await expect(run.client.fetchToSink('http://upstream.test/x', drain)).rejects.toMatchObject({
      code: 'UPSTREAM_FAILED',
      message: expect.stringContaining('no attempts left'),
    });
    expect(calls).toHaveLength(3);
    expect(run.limits.budgetSpent()).toBe(false);
  });
});

describe('upstreamSettings', () => {
  const entry = { dataset_id: 'ks_x', upstream: { uri: 'http://a.test', rate_limit: 5 } };

  it("takes the registry's rate limit unless --config overrides it", () => {
    expect(upstreamSettings(entry, {}, undefined)).toMatchObject({ rate_limit: 5, retry_budget: 50 });
    const config = { upstream: { uri: 'http://b.test', rate_limit: 50, max_attempts: 2, retry_budget: 3 } };
    expect(upstreamSettings(entry, config, 'c.json')).toEqual({
      rate_limit: 50,
      retry_budget: 3,
      policy: { maxAttempts: 2 },
    });
  });

  it('refuses a misspelt or invalid setting, naming the file and field', () => {
    const typo = { upstream: { uri: 'http://b.test', rate_limt: 50 } };
    expect(() => upstreamSettings(entry, typo, 'c.json')).toThrow(/c\.json: upstream/);
    const zero = { upstream: { uri: 'http://b.test', rate_limit: 0 } };
    expect(() => upstreamSettings(entry, zero, 'c.json')).toThrow(/c\.json: upstream\.rate_limit/);
  });
});
