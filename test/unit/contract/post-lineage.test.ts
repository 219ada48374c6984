import { describe, expect, it } from 'vitest';
import { lineageEndpoint, postLineageEvent } from '../../../src/contract/openlineage/post-lineage.js';
import { resolveRetryPolicy } from '../../../src/upstream/retry-policy.js';

/** A fetch that answers from a list of statuses (the last repeats) and records every call. */
function scriptedFetch(statuses: (number | 'refused')[], headers: Record<string, string> = {}) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetch = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    const status = statuses[Math.min(calls.length - 1, statuses.length - 1)]!;
    if (status === 'refused') throw new TypeError('fetch failed: connect ECONNREFUSED');
    return new Response(status === 200 ? '' : 'busy', { status, headers });
  }) as unknown as typeof globalThis.fetch;
  return { fetch, calls };
}

const policy = resolveRetryPolicy({ maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000 });

function transport(statuses: (number | 'refused')[], headers?: Record<string, string>) {
  const { fetch, calls } = scriptedFetch(statuses, headers);
  const slept: number[] = [];
  return {
    calls,
    slept,
    t: {
      url: 'http://127.0.0.1:5000/',
      apiKey: 's3cret',
      policy,
      fetch,
      sleep: async (ms: number) => {
        slept.push(ms);
      },
      random: () => 0.5,
      now: () => 0,
    },
  };
}

describe('postLineageEvent', () => {
  it('POSTs the event to <url>/api/v1/lineage as JSON with the Bearer key', async () => {
    const { t, calls, slept } = transport([200]);
    await postLineageEvent(t, '{"eventType":"START"}', 7);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.url).toBe('http://127.0.0.1:5000/api/v1/lineage');
    expect(calls[0]!.init).toMatchObject({
      method: 'POST',
      body: '{"eventType":"START"}',
      headers: { 'content-type': 'application/json', authorization: 'Bearer s3cret' },
    });
    expect(slept).toEqual([]);
  });

  it('retries a refused connection and 503s with full-jitter backoff on the injected clock', async () => {
    const { t, calls, slept } = transport(['refused', 503, 503, 200]);
    await postLineageEvent(t, '{}', 1);
    expect(calls).toHaveLength(4);
    // random 0.5 of the ceilings 100, 200, 400 ms.
    expect(slept).toEqual([50, 100, 200]);
  });

  it("waits the server's Retry-After instead of its own backoff", async () => {
    const { t, slept } = transport([503, 200], { 'retry-after': '3' });
    await postLineageEvent(t, '{}', 1);
    expect(slept).toEqual([3000]);
  });

  it("gives up after the policy's attempts with OPENLINEAGE_EMIT_FAILED naming the seq, never the key", async () => {
    const { t, calls } = transport([503]);
    const error = await postLineageEvent(t, '{}', 42).catch((e: unknown) => e);
    expect(calls).toHaveLength(4);
    expect(error).toMatchObject({
      code: 'OPENLINEAGE_EMIT_FAILED',
      exitCode: 4,
      details: { seq: 42, last: 'HTTP 503' },
    });
    expect(String((error as Error).message)).not.toContain('s3cret');
  });

  it('does not retry a request the server refuses as wrong (400)', async () => {
    const { t, calls } = transport([400, 200]);
    await expect(postLineageEvent(t, '{}', 1)).rejects.toMatchObject({ code: 'OPENLINEAGE_EMIT_FAILED' });
    expect(calls).toHaveLength(1);
  });
});

describe('lineageEndpoint', () => {
  it('refuses what is not an http(s) URL as a usage error', () => {
    expect(() => lineageEndpoint('localhost:5000')).toThrow(expect.objectContaining({ code: 'USAGE' }));
    expect(() => lineageEndpoint('file:///tmp/x')).toThrow(expect.objectContaining({ code: 'USAGE' }));
    expect(() => lineageEndpoint('http://me:pw@h/')).toThrow(expect.objectContaining({ code: 'USAGE' }));
    expect(() => lineageEndpoint('http://h/?api_key=s3cret')).toThrow(
      expect.objectContaining({ code: 'USAGE', message: expect.not.stringContaining('s3cret') }),
    );
    expect(lineageEndpoint('https://marquez.example/base/')).toBe(
      'https://marquez.example/base/api/v1/lineage',
    );
  });
});
