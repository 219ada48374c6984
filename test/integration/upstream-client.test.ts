import { mkdtemp, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isKfmError, type KfmError } from '../../src/errors.js';
import type { RetryPolicy } from '../../src/upstream/retry-policy.js';
import {
  type AttemptInfo,
  createUpstreamClient,
  type UpstreamDeps,
} from '../../src/upstream/upstream-client.js';
import { fakeClock } from '../support/fake-clock.js';
import { type FlakyServer, startFlakyServer } from '../support/flaky-server.js';

// Only named in messages: the client's timeouts are fake timers that fire when a test fires them.
const TIMEOUT_MS = 750;
const POLICY: Partial<RetryPolicy> = {
  maxAttempts: 4,
  baseDelayMs: 100,
  maxDelayMs: 1_000,
  timeoutMs: TIMEOUT_MS,
};
const BODY = 'station,lat,lon\n'.repeat(64);

let server: FlakyServer;
let dir: string;
beforeEach(async () => {
  server = await startFlakyServer();
  dir = await mkdtemp(join(tmpdir(), 'kfm-upstream-'));
});
afterEach(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

/**
 * A client on a fake clock: its sleeps only record the waits asked for, so retries cost no wall
 * time, and its timeouts fire only when the test fires them, so a slow machine never times out.
 */
function harness(overrides: Partial<UpstreamDeps> = {}, policy: Partial<RetryPolicy> = POLICY) {
  const clock = fakeClock(Date.UTC(2025, 0, 1));
  const attempts: AttemptInfo[] = [];
  const deps: Partial<UpstreamDeps> = {
    sleep: clock.sleep,
    now: clock.now,
    setTimer: clock.setTimer,
    random: () => 0.5,
    onAttempt: (info) => attempts.push(info),
    ...overrides,
  };
  return { client: createUpstreamClient(deps, policy), sleeps: clock.slept, attempts, clock };
}

const collect = async (body: AsyncIterable<Uint8Array>): Promise<string> => {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
};

async function failureOf(promise: Promise<unknown>): Promise<KfmError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isKfmError(error)) throw new Error(`expected a KfmError, got ${String(error)}`);
  return error;
}

describe('fetchToSink over http', () => {
  it('succeeds after a 429 and a 503, waiting exactly Retry-After, then the jittered backoff', async () => {
    server.script('/data.csv', [
      { kind: 'status', status: 429, retryAfter: '2' },
      { kind: 'status', status: 503 },
      { kind: 'ok', body: BODY },
    ]);
    const { client, sleeps, attempts } = harness();
    const { result, attempts: count } = await client.fetchToSink(server.url('/data.csv'), collect);
    expect(result).toBe(BODY);
    expect(count).toBe(3);
    // 2 s from Retry-After; then full jitter for retry 2: 0.5 × min(1000, 100 × 2^1) = 100 ms.
    expect(sleeps).toEqual([2_000, 100]);
    expect(attempts.map((a) => [a.outcome, a.status, a.retry_after_ms, a.delay_ms])).toEqual([
      ['retry', 429, 2_000, 2_000],
      ['retry', 503, undefined, 100],
      ['ok', 200, undefined, undefined],
    ]);
    expect(server.requestsTo('/data.csv').map((r) => r.method)).toEqual(['GET', 'GET', 'GET']);
  });

  it('honours an HTTP-date Retry-After against the injected clock', async () => {
    const now = Date.UTC(2025, 0, 1, 0, 0, 0);
    server.script('/d', [
      { kind: 'status', status: 503, retryAfter: 'Wed, 01 Jan 2025 00:00:07 GMT' },
      { kind: 'ok', body: 'x' },
    ]);
    const { client, sleeps } = harness({ now: () => now });
    await client.fetchToSink(server.url('/d'), collect);
    expect(sleeps).toEqual([7_000]);
  });

  it('retries a truncated body: the sink cleans its partial output and completes exactly once', async () => {
    server.script('/big.csv', [
      { kind: 'stall', body: BODY, sendBytes: 100 },
      { kind: 'ok', body: BODY },
    ]);
    const out = join(dir, 'big.csv');
    let calls = 0;
    let completed = 0;
    let partialSeen = false;
    const sink = async (body: AsyncIterable<Uint8Array>) => {
      calls++;
      const file = await open(out, 'w');
      let written = 0;
      try {
        for await (const chunk of body) {
          await file.write(chunk);
          written += chunk.byteLength;
          // The first answer's 100 bytes are on disk: now its connection drops.
          if (calls === 1 && written === 100) server.dropConnections();
        }
      } catch (error) {
        partialSeen ||= (await stat(out)).size > 0;
        await file.close();
        await rm(out, { force: true });
        throw error;
      }
      await file.close();
      completed++;
      return out;
    };
    const { client, attempts } = harness();
    const { attempts: count } = await client.fetchToSink(server.url('/big.csv'), sink);
    expect([calls, completed, count]).toEqual([2, 1, 2]);
    expect(partialSeen).toBe(true);
    expect(await readFile(out, 'utf8')).toBe(BODY);
    expect(attempts[0]?.error).toMatch(new RegExp(`^body cut after 100 of ${BODY.length} bytes`));
  });

  it('retries an answer slower than the timeout, and a body that stalls mid-way', async () => {
    server.script('/slow', [
      { kind: 'slow', delayMs: 60_000, body: 'late' },
      { kind: 'stall', body: BODY, sendBytes: 10 },
      { kind: 'ok', body: BODY },
    ]);
    const { client, attempts, clock } = harness();
    // The slow answer's request has arrived and no headers came: its header timeout fires now.
    let armedAtArrival: number[] = [];
    server.onRequest(() => {
      if (server.requests.length !== 1) return;
      const armed = clock.pending();
      armedAtArrival = armed.map((t) => t.ms);
      armed[0]?.fire();
    });
    const sink = async (body: AsyncIterable<Uint8Array>) => {
      const chunks: Uint8Array[] = [];
      let received = 0;
      for await (const chunk of body) {
        chunks.push(chunk);
        received += chunk.byteLength;
        // The stalled answer's 10 bytes are in: the timer armed for the next read is its idle timeout.
        if (server.requests.length === 2 && received === 10) void clock.nextTimer().then((t) => t.fire());
      }
      return Buffer.concat(chunks).toString('utf8');
    };
    const { result } = await client.fetchToSink(server.url('/slow'), sink);
    expect(result).toBe(BODY);
    expect(armedAtArrival).toEqual([TIMEOUT_MS]);
    // The client gave up on each instead of waiting: the slow answer's own body never arrived.
    expect(attempts.map((a) => a.error)).toEqual([
      `no response headers within ${TIMEOUT_MS} ms`,
      `body cut after 10 of ${BODY.length} bytes: body stalled for ${TIMEOUT_MS} ms`,
      undefined,
    ]);
    expect(server.requestsTo('/slow')).toHaveLength(3);
  });

  it('fails with UPSTREAM_FAILED (exit 4) after the last attempt, naming the last status and the count', async () => {
    server.script('/down', [{ kind: 'status', status: 503 }]);
    const { client, sleeps } = harness();
    const error = await failureOf(client.fetchToSink(server.url('/down'), collect));
    expect([error.code, error.exitCode]).toEqual(['UPSTREAM_FAILED', 4]);
    expect(error.details).toMatchObject({ status: 503, attempts: 4, method: 'GET' });
    expect(error.message).toContain(`GET ${server.url('/down')} failed after 4 attempts (last status 503`);
    expect(server.requestsTo('/down')).toHaveLength(4);
    expect(sleeps).toHaveLength(3);
  });

  it('fails at once on 404, without retrying', async () => {
    const { client, sleeps } = harness();
    const error = await failureOf(client.fetchToSink(server.url('/missing'), collect));
    expect(error.code).toBe('UPSTREAM_FAILED');
    expect(error.details).toMatchObject({ status: 404, attempts: 1 });
    expect(error.message).toContain('not retryable');
    expect([server.requests.length, sleeps.length]).toEqual([1, 0]);
  });

  it('fails at once when Retry-After asks for more than the policy allows, and says so', async () => {
    server.script('/d', [{ kind: 'status', status: 429, retryAfter: '3600' }]);
    const { client, sleeps } = harness({}, { ...POLICY, maxRetryAfterMs: 60_000 });
    const error = await failureOf(client.fetchToSink(server.url('/d'), collect));
    expect(error.message).toMatch(/asked to wait 3600 s \(Retry-After\), more than the 60 s/);
    expect([server.requests.length, sleeps.length]).toEqual([1, 0]);
  });

  it('gates every request through beforeRequest and stops when the run-wide retry budget is spent', async () => {
    server.script('/d', [{ kind: 'status', status: 500 }]);
    let gated = 0;
    let budget = 1;
    const { client } = harness({
      beforeRequest: async () => {
        gated++;
      },
      takeRetry: () => budget-- > 0,
    });
    const error = await failureOf(client.fetchToSink(server.url('/d'), collect));
    expect(error.message).toContain("the run's retry budget is spent");
    expect([gated, server.requests.length, error.details.attempts]).toEqual([2, 2, 2]);
  });

  it("does not retry the sink's own failures", async () => {
    server.script('/d', [{ kind: 'ok', body: BODY }]);
    const { client } = harness();
    const diskFull = new Error('ENOSPC: disk full');
    const sink = async (body: AsyncIterable<Uint8Array>) => {
      for await (const _ of body) throw diskFull;
    };
    await expect(client.fetchToSink(server.url('/d'), sink)).rejects.toBe(diskFull);
    expect(server.requests).toHaveLength(1);
  });

  it('keeps secrets out of messages and attempt logs, while still sending them to the upstream', async () => {
    server.script('/api', [{ kind: 'status', status: 503 }]);
    const { client, attempts } = harness({}, { ...POLICY, maxAttempts: 2 });
    const url = server
      .url('/api?start=2024-01-01&token=abc123tok')
      .replace('http://', 'http://bob:hunter22@');
    const error = await failureOf(client.fetchToSink(url, collect));
    const said = JSON.stringify([error.message, error.details, attempts]);
    expect(said).not.toMatch(/abc123tok|hunter22/);
    expect(error.message).toContain('http://bob:REDACTED@127.0.0.1');
    expect(error.message).toContain('?start=2024-01-01&token=REDACTED');
    const sent = server.requests[0]!;
    expect(sent.url).toBe('/api?start=2024-01-01&token=abc123tok');
    expect(sent.headers.authorization).toBe(`Basic ${Buffer.from('bob:hunter22').toString('base64')}`);
  });

  it('reports a refused connection as the last error after its retries', async () => {
    const url = server.url('/gone?key=abc123tok');
    await server.close();
    server = await startFlakyServer();
    const { client } = harness({}, { ...POLICY, maxAttempts: 2 });
    const error = await failureOf(client.fetchToSink(url, collect));
    expect(error.details).toMatchObject({ attempts: 2 });
    expect(String(error.details.error)).toMatch(/ECONNREFUSED/);
    expect(error.message).not.toContain('abc123tok');
  });
});

describe('discover', () => {
  it('reads ETag, Last-Modified, Content-Length and content type from a HEAD', async () => {
    const headers = {
      etag: '"v1-abc"',
      'last-modified': 'Sun, 15 Jun 2025 12:00:00 GMT',
      'content-type': 'text/csv; charset=utf-8',
    };
    server.script('/data.csv', [
      { kind: 'status', status: 503 },
      { kind: 'ok', body: BODY, headers },
    ]);
    const { client } = harness();
    const caps = await client.discover(server.url('/data.csv?token=abc123tok'));
    expect(caps).toEqual({
      uri: server.url('/data.csv?token=REDACTED'),
      scheme: 'http',
      status: 200,
      etag: '"v1-abc"',
      last_modified: 'Sun, 15 Jun 2025 12:00:00 GMT',
      content_length: BODY.length,
      content_type: 'text/csv; charset=utf-8',
    });
    expect(server.requests.map((r) => r.method)).toEqual(['HEAD', 'HEAD']);
  });
  it('accepts an upstream that does not implement HEAD (405) and leaves the metadata to the GET', async () => {
    server.script('/no-head', [{ kind: 'status', status: 405 }]);
    const { client, sleeps } = harness();
    expect(await client.discover(server.url('/no-head'))).toEqual({
      uri: server.url('/no-head'),
      scheme: 'http',
      status: 405,
    });
    expect(sleeps).toEqual([]);
  });

  it('fails discovery at once on 404', async () => {
    const error = await failureOf(harness().client.discover(server.url('/missing')));
    expect(error.details).toMatchObject({ method: 'HEAD', status: 404, attempts: 1 });
  });

  it('releases the connection when a sink stops reading early', async () => {
    server.script('/d', [{ kind: 'stall', body: BODY, sendBytes: 10 }]);
    const { client } = harness();
    const firstChunk = async (body: AsyncIterable<Uint8Array>) => {
      for await (const chunk of body) return chunk.byteLength;
      return 0;
    };
    expect((await client.fetchToSink(server.url('/d'), firstChunk)).result).toBe(10);
  });
});

describe('file:// upstreams', () => {
  it('discovers size and mtime, and streams the file to the sink in one attempt', async () => {
    const file = join(dir, 'stations.geojson');
    await writeFile(file, BODY);
    const uri = pathToFileURL(file).href;
    const { client } = harness();
    const caps = await client.discover(uri);
    expect(caps).toMatchObject({ uri, scheme: 'file', status: 200, content_length: BODY.length });
    expect(caps.last_modified).toBe((await stat(file)).mtime.toUTCString());
    expect(await client.fetchToSink(uri, collect)).toEqual({ result: BODY, attempts: 1 });
  });

  it('fails with UPSTREAM_FAILED naming a missing file', async () => {
    const uri = pathToFileURL(join(dir, 'nope.csv')).href;
    const error = await failureOf(harness().client.fetchToSink(uri, collect));
    expect([error.code, error.message]).toEqual([
      'UPSTREAM_FAILED',
      `${uri}: no such file; check the registry's upstream.uri`,
    ]);
  });

  it('refuses other schemes as invalid input', async () => {
    const error = await failureOf(harness().client.discover('ftp://example.org/x.csv'));
    expect(error.code).toBe('INVALID_INPUT');
  });
});
