import { KfmError } from '../../errors.js';
import { redactUrl } from '../../upstream/redact-url.js';
import {
  backoffDelayMs,
  DEFAULT_RETRY_POLICY,
  isRetryable,
  type RetryPolicy,
  retryAfterMs,
} from '../../upstream/retry-policy.js';

/**
 * OpenLineage's HTTP transport, as Marquez serves it: each RunEvent is one JSON POST to
 * `<url>/api/v1/lineage`. Transient failures (connection refused, 408, 429, most 5xx) are retried
 * with the upstream client's policy: full-jitter backoff, or the server's Retry-After when it sends
 * one. Time and randomness come in, so tests drive the schedule with a fake clock.
 */
export interface LineageTransport {
  /** The endpoint's base URL; events go to `<url>/api/v1/lineage`. */
  url: string;
  apiKey?: string;
  policy?: RetryPolicy;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

export function lineageEndpoint(url: string): string {
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    throw new KfmError(
      'USAGE',
      `--emit ${redactUrl(url)}: not a URL; give the server's base, e.g. http://localhost:5000`,
    );
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:')
    throw new KfmError('USAGE', `--emit ${redactUrl(url)}: use an http:// or https:// URL`);
  // The path is appended to the base, so a query would land mid-URL; a secret in the query or the
  // user:password part belongs in --api-key, where it is never written down (fetch refuses the latter).
  if (base.search !== '' || base.hash !== '' || base.username !== '' || base.password !== '')
    throw new KfmError(
      'USAGE',
      `--emit ${redactUrl(url)}: give the server's base URL without user:password@, ?query or #fragment (a key goes in --api-key)`,
    );
  return `${base.href.replace(/\/+$/, '')}/api/v1/lineage`;
}

/** POSTs one event (its JSON text); throws OPENLINEAGE_EMIT_FAILED once the retries are spent. */
export async function postLineageEvent(
  transport: LineageTransport,
  body: string,
  seq: number,
): Promise<void> {
  const policy = transport.policy ?? DEFAULT_RETRY_POLICY;
  const doFetch = transport.fetch ?? fetch;
  const sleep = transport.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const endpoint = lineageEndpoint(transport.url);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (transport.apiKey !== undefined) headers.authorization = `Bearer ${transport.apiKey}`;
  let last = '';
  for (let attempt = 1; attempt <= policy.maxAttempts; attempt++) {
    let wait: number | undefined;
    try {
      const response = await doFetch(endpoint, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(policy.timeoutMs),
      });
      await response.arrayBuffer();
      if (response.ok) return;
      last = `HTTP ${response.status}`;
      if (!isRetryable(response.status)) break;
      wait = retryAfterMs(response.headers.get('retry-after'), (transport.now ?? Date.now)());
      if (wait !== undefined && wait > policy.maxRetryAfterMs) break;
    } catch (error) {
      last = (error as Error).message;
    }
    if (attempt < policy.maxAttempts)
      await sleep(wait ?? backoffDelayMs(attempt, policy, transport.random ?? Math.random));
  }
  throw new KfmError(
    'OPENLINEAGE_EMIT_FAILED',
    `${redactUrl(endpoint)} did not accept the event of seq ${seq} (${last}); events up to the one before it were delivered: run the same command again to resume`,
    { details: { endpoint: redactUrl(endpoint), seq, last } },
  );
}
