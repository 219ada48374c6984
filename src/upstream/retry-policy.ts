import { parseHttpDate } from './http-date.js';

/**
 * How hard the upstream client tries. Pure data and pure functions: time and randomness come in as
 * parameters, so the schedule is testable with a seeded random and a fixed clock.
 */
export interface RetryPolicy {
  /** Attempts per request, the first one included (so 1 means "never retry"). */
  maxAttempts: number;
  /** Backoff ceiling of the first retry; doubles with every further retry. */
  baseDelayMs: number;
  /** Ceiling of any computed backoff delay. */
  maxDelayMs: number;
  /**
   * Longest `Retry-After` the client will wait. The upstream's wait is honoured exactly (retrying
   * earlier would only earn another 429); a longer one ends the request at once with a message that
   * says what was asked and what the policy allows, instead of blocking a run for hours.
   */
  maxRetryAfterMs: number;
  /** Per attempt: the wait for response headers, and the longest silence between body chunks. */
  timeoutMs: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  maxAttempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 120_000,
  timeoutMs: 30_000,
});

/** Fills the fields a caller (registry, `--config`) left out, and refuses nonsense rather than looping forever. */
export function resolveRetryPolicy(partial: Partial<RetryPolicy> = {}): RetryPolicy {
  const policy = { ...DEFAULT_RETRY_POLICY, ...definedOnly(partial) };
  const valid =
    Number.isInteger(policy.maxAttempts) &&
    policy.maxAttempts >= 1 &&
    [policy.baseDelayMs, policy.maxDelayMs, policy.maxRetryAfterMs, policy.timeoutMs].every(
      (value) => Number.isFinite(value) && value >= 0,
    ) &&
    policy.timeoutMs > 0;
  if (!valid) throw new RangeError(`invalid retry policy: ${JSON.stringify(policy)}`);
  return policy;
}

function definedOnly(partial: Partial<RetryPolicy>): Partial<RetryPolicy> {
  return Object.fromEntries(Object.entries(partial).filter(([, value]) => value !== undefined));
}

/**
 * Delay before retry number `attempt` (1 = the wait after the first failed attempt): "full jitter",
 * uniform in [0, min(maxDelayMs, baseDelayMs · 2^(attempt-1))). Full jitter spreads clients that
 * failed together across the whole window, which decorrelates them best for the least total wait.
 * `random` returns a number in [0, 1), like Math.random.
 */
export function backoffDelayMs(attempt: number, policy: RetryPolicy, random: () => number): number {
  const exponent = Math.max(0, attempt - 1);
  // 2^exponent overflows to Infinity long after it passes any sane cap; Math.min keeps it finite.
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** exponent);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.min(Math.floor(r * ceiling), Math.max(0, Math.ceil(ceiling) - 1));
}

/**
 * `Retry-After` (RFC 9110 §10.2.3) is either delay-seconds (a non-negative integer) or an HTTP-date.
 * Returns the wait in milliseconds from `nowMs` (0 for a date in the past), or `undefined` when the
 * header is absent or malformed, in which case the caller falls back to its own backoff.
 */
export function retryAfterMs(headerValue: string | null | undefined, nowMs: number): number | undefined {
  if (headerValue === null || headerValue === undefined) return undefined;
  const value = headerValue.trim();
  if (/^\d+$/.test(value)) {
    const seconds = Number(value);
    return Number.isSafeInteger(seconds * 1000) ? seconds * 1000 : Number.MAX_SAFE_INTEGER;
  }
  const at = parseHttpDate(value, nowMs);
  return at === undefined ? undefined : Math.max(0, at - nowMs);
}

/**
 * Statuses worth another attempt: 408 Request Timeout, 429 Too Many Requests (RFC 6585 §4) and server
 * errors (RFC 9110 §15.6), except the 5xx that describe a permanent condition of the server or its
 * configuration — 501 Not Implemented, 505 HTTP Version Not Supported, 506 Variant Also Negotiates,
 * 508 Loop Detected, 510 Not Extended, 511 Network Authentication Required — where retrying only
 * spends the budget. Other 4xx are the request's fault and fail at once.
 */
export function isRetryable(status: number): boolean {
  if (status === 408 || status === 429) return true;
  if (status < 500 || status > 599) return false;
  return ![501, 505, 506, 508, 510, 511].includes(status);
}
