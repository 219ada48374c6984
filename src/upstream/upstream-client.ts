import { STATUS_CODES } from 'node:http';
import { KfmError } from '../errors.js';
import { fetchFile, statFile } from './file-source.js';
import { type Attempt, attemptHttp, type BodySink, type ResponseMeta } from './http-attempt.js';
import { redactUrl } from './redact-url.js';
import {
  backoffDelayMs,
  isRetryable,
  type RetryPolicy,
  resolveRetryPolicy,
  retryAfterMs,
} from './retry-policy.js';

export type { BodySink, ResponseMeta } from './http-attempt.js';

/** What `discover` learned (the `source.discovered` payload). `uri` is redacted: it goes into events. */
export interface UpstreamCapabilities {
  uri: string;
  scheme: 'file' | 'http' | 'https';
  status: number;
  etag?: string;
  last_modified?: string;
  content_length?: number;
  content_type?: string;
}

/** One line of the client's diary, for logs (`--log_json`) and tests. The URI is redacted. */
export interface AttemptInfo {
  method: 'GET' | 'HEAD';
  uri: string;
  attempt: number;
  max_attempts: number;
  outcome: 'ok' | 'retry' | 'fail';
  status?: number;
  error?: string;
  /** What the upstream asked for in Retry-After, when it did. */
  retry_after_ms?: number;
  /** The wait before the next attempt (outcome `retry` only). */
  delay_ms?: number;
}

/**
 * Everything with a side effect beyond the request itself comes in here, so tests run with a fake
 * clock, sleep and timers, and issue 6 plugs in its shared rate limit and run-wide retry budget.
 */
export interface UpstreamDeps {
  sleep(ms: number): Promise<void>;
  now(): number;
  /** Arms a timeout (no response headers, a stalled body); returns what cancels it. */
  setTimer(ms: number, fire: () => void): () => void;
  /** Uniform in [0, 1), for backoff jitter. */
  random(): number;
  fetch?: typeof fetch;
  /** Awaited before every HTTP request, retries included: the place for a run-wide token bucket. */
  beforeRequest?: () => Promise<void>;
  /** Asked before every retry; `false` means the run's retry budget is spent and the request fails now. */
  takeRetry?: () => boolean;
  onAttempt?: (info: AttemptInfo) => void;
}

/** The real clock, timers and randomness: what a command gets. */
export const REAL_UPSTREAM_DEPS: UpstreamDeps = {
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  now: () => Date.now(),
  setTimer: (ms, fire) => {
    const timer = setTimeout(fire, ms);
    return () => clearTimeout(timer);
  },
  random: () => Math.random(),
};

/** The deps given, each one left out (or undefined) taken from REAL_UPSTREAM_DEPS. */
export function upstreamDeps(partialDeps: Partial<UpstreamDeps> = {}): UpstreamDeps {
  const given = Object.fromEntries(Object.entries(partialDeps).filter(([, v]) => v !== undefined));
  return { ...REAL_UPSTREAM_DEPS, ...given };
}

export interface FetchResult<T> {
  result: T;
  attempts: number;
}

export interface UpstreamClient {
  discover(uri: string): Promise<UpstreamCapabilities>;
  fetchToSink<T>(uri: string, sink: BodySink<T>): Promise<FetchResult<T>>;
}

/**
 * The client connectors acquire through. Deps left out default to the real clock, timers and
 * Math.random; `policy` fields left out take DEFAULT_RETRY_POLICY's.
 */
export function createUpstreamClient(
  partialDeps: Partial<UpstreamDeps> = {},
  partialPolicy: Partial<RetryPolicy> = {},
): UpstreamClient {
  const deps = upstreamDeps(partialDeps);
  const policy = resolveRetryPolicy(partialPolicy);
  const options = {
    fetch: deps.fetch ?? globalThis.fetch,
    timeoutMs: policy.timeoutMs,
    setTimer: deps.setTimer,
  };
  const retrying = <T>(method: 'GET' | 'HEAD', uri: string, once: () => Promise<Attempt<T>>) =>
    withRetries(deps, policy, method, uri, once);

  return {
    async discover(uri) {
      const scheme = schemeOf(uri);
      if (scheme === 'file') return capabilities(uri, scheme, (await statFile(uri)).meta);
      const { meta } = await retrying('HEAD', uri, async () => {
        const attempt = await attemptHttp('HEAD', uri, options);
        // 405/501: the server does not do HEAD (RFC 9110 §9.3.2 only says SHOULD); the GET will tell.
        const noHead = attempt.kind === 'status' && [405, 501].includes(attempt.meta.status);
        return noHead
          ? { kind: 'done', value: undefined, meta: { status: attempt.meta.status, headers: {} } }
          : attempt;
      });
      return capabilities(uri, scheme, meta);
    },

    async fetchToSink<T>(uri: string, sink: BodySink<T>) {
      if (schemeOf(uri) === 'file') return { result: await fetchFile(uri, sink), attempts: 1 };
      const { value, attempts } = await retrying('GET', uri, () => attemptHttp('GET', uri, options, sink));
      return { result: value as T, attempts };
    },
  };
}

/**
 * The retry loop shared by HEAD and GET: every attempt passes the rate-limit gate, every failure is
 * judged (retryable? attempts left? Retry-After acceptable? run budget left?), and the final failure
 * is one UPSTREAM_FAILED (exit 4) that names the redacted URL, the last status or error, the count.
 */
async function withRetries<T>(
  deps: UpstreamDeps,
  policy: RetryPolicy,
  method: 'GET' | 'HEAD',
  uri: string,
  once: () => Promise<Attempt<T>>,
): Promise<{ value: T; meta: ResponseMeta; attempts: number }> {
  const shown = redactUrl(uri);
  const base = { method, uri: shown, max_attempts: policy.maxAttempts };
  for (let attempt = 1; ; attempt++) {
    await deps.beforeRequest?.();
    const outcome = await once();
    if (outcome.kind === 'done') {
      deps.onAttempt?.({ ...base, attempt, outcome: 'ok', status: outcome.meta.status });
      return { value: outcome.value, meta: outcome.meta, attempts: attempt };
    }
    const last: LastFailure =
      outcome.kind === 'failed'
        ? { error: outcome.error }
        : { status: outcome.meta.status, statusText: outcome.statusText };
    const asked =
      outcome.kind === 'status' ? retryAfterMs(outcome.meta.headers['retry-after'], deps.now()) : undefined;
    const stop = whyStop(deps, policy, attempt, last, asked);
    // RFC 9110 §10.2.3: Retry-After is the upstream's own estimate, so it replaces our guess.
    const delay = asked ?? backoffDelayMs(attempt, policy, deps.random);
    const info: AttemptInfo = {
      ...base,
      attempt,
      outcome: stop === undefined ? 'retry' : 'fail',
      ...lastFields(last),
    };
    if (asked !== undefined) info.retry_after_ms = asked;
    if (stop === undefined) info.delay_ms = delay;
    deps.onAttempt?.(info);
    if (stop !== undefined) throw upstreamFailed(method, shown, attempt, last, stop);
    await deps.sleep(delay);
  }
}

interface LastFailure {
  status?: number;
  statusText?: string;
  error?: string;
}

/** Why the request ends here, or `undefined` to try again. Each reason ends up in the message. */
function whyStop(
  deps: UpstreamDeps,
  policy: RetryPolicy,
  attempt: number,
  last: LastFailure,
  asked: number | undefined,
): string | undefined {
  if (last.status !== undefined && !isRetryable(last.status)) return `status ${last.status} is not retryable`;
  if (attempt >= policy.maxAttempts) return 'no attempts left';
  if (asked !== undefined && asked > policy.maxRetryAfterMs) {
    return `the upstream asked to wait ${seconds(asked)} (Retry-After), more than the ${seconds(policy.maxRetryAfterMs)} the retry policy allows`;
  }
  if (deps.takeRetry?.() === false) return "the run's retry budget is spent";
  return undefined;
}

function upstreamFailed(
  method: string,
  shown: string,
  attempts: number,
  last: LastFailure,
  why: string,
): KfmError {
  const what =
    last.status === undefined
      ? `last error: ${last.error}`
      : `last status ${last.status} ${last.statusText || STATUS_CODES[last.status] || ''}`.trimEnd();
  const plural = attempts === 1 ? '' : 's';
  return new KfmError(
    'UPSTREAM_FAILED',
    `${method} ${shown} failed after ${attempts} attempt${plural} (${what}): ${why}`,
    {
      details: { uri: shown, method, attempts, ...lastFields(last), reason: why },
    },
  );
}

function lastFields(last: LastFailure): { status?: number; error?: string } {
  return last.status === undefined ? { error: last.error ?? 'unknown error' } : { status: last.status };
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

function schemeOf(uri: string): UpstreamCapabilities['scheme'] {
  let protocol: string;
  try {
    protocol = new URL(uri).protocol;
  } catch {
    throw new KfmError(
      'INVALID_INPUT',
      `${redactUrl(uri)}: not a URL; upstream.uri must be file://, http:// or https://`,
      {
        details: { uri: redactUrl(uri) },
      },
    );
  }
  if (protocol === 'file:' || protocol === 'http:' || protocol === 'https:')
    return protocol.slice(0, -1) as UpstreamCapabilities['scheme'];
  throw new KfmError(
    'INVALID_INPUT',
    `${redactUrl(uri)}: unsupported scheme ${protocol}; use file://, http:// or https://`,
    {
      details: { uri: redactUrl(uri) },
    },
  );
}

function capabilities(
  uri: string,
  scheme: UpstreamCapabilities['scheme'],
  meta: ResponseMeta,
): UpstreamCapabilities {
  const caps: UpstreamCapabilities = { uri: redactUrl(uri), scheme, status: meta.status };
  if (meta.etag !== undefined) caps.etag = meta.etag;
  if (meta.last_modified !== undefined) caps.last_modified = meta.last_modified;
  if (meta.content_length !== undefined) caps.content_length = meta.content_length;
  if (meta.content_type !== undefined) caps.content_type = meta.content_type;
  return caps;
}
