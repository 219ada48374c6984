import { describe, expect, it } from 'vitest';
import {
  backoffDelayMs,
  DEFAULT_RETRY_POLICY,
  isRetryable,
  type RetryPolicy,
  resolveRetryPolicy,
  retryAfterMs,
} from '../../../src/upstream/retry-policy.js';
import { mulberry32 } from '../../support/prng.js';

const policy: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 100,
  maxDelayMs: 5_000,
  maxRetryAfterMs: 60_000,
  timeoutMs: 1_000,
};
const NOW = Date.UTC(2025, 5, 15, 12, 0, 0);

describe('backoffDelayMs', () => {
  it('stays within [0, min(maxDelayMs, baseDelayMs * 2^(attempt-1))) for every draw', () => {
    const random = mulberry32(42);
    const outOfBounds: string[] = [];
    for (let attempt = 1; attempt <= 40; attempt++) {
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      for (let i = 0; i < 500; i++) {
        const delay = backoffDelayMs(attempt, policy, random);
        if (!Number.isInteger(delay) || delay < 0 || delay >= ceiling)
          outOfBounds.push(`${attempt}: ${delay}`);
      }
    }
    expect(outOfBounds).toEqual([]);
  });

  it('doubles its window with each attempt until the cap (full jitter spreads over all of it)', () => {
    const half = () => 0.5;
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((a) => backoffDelayMs(a, policy, half))).toEqual([
      50, 100, 200, 400, 800, 1600, 2500, 2500,
    ]);
    const random = mulberry32(7);
    const draws = Array.from({ length: 2000 }, () => backoffDelayMs(8, policy, random));
    // Uniform over [0, 5000): both ends of the window are reached, not just its middle.
    expect(Math.min(...draws)).toBeLessThan(100);
    expect(Math.max(...draws)).toBeGreaterThan(4_900);
  });

  it('never reaches the ceiling even if random misbehaves, and is finite for huge attempt numbers', () => {
    expect(backoffDelayMs(3, policy, () => 1)).toBe(399);
    expect(backoffDelayMs(3, policy, () => -1)).toBe(0);
    expect(backoffDelayMs(10_000, policy, () => 0.999999)).toBe(4_999);
  });
});

describe('retryAfterMs', () => {
  it('reads delay-seconds', () => {
    expect(retryAfterMs('120', NOW)).toBe(120_000);
    expect(retryAfterMs('0', NOW)).toBe(0);
    expect(retryAfterMs(' 3 ', NOW)).toBe(3_000);
  });

  it('reads all three HTTP-date forms as UTC (RFC 9110 §5.6.7)', () => {
    expect(retryAfterMs('Sun, 15 Jun 2025 12:00:30 GMT', NOW)).toBe(30_000);
    expect(retryAfterMs('Sunday, 15-Jun-25 12:01:00 GMT', NOW)).toBe(60_000);
    expect(retryAfterMs('Sun Jun 15 12:00:05 2025', NOW)).toBe(5_000);
    expect(retryAfterMs('Sun Jun  1 12:00:00 2025', Date.UTC(2025, 4, 31, 12))).toBe(86_400_000);
  });

  it('reads an RFC 850 two-digit year as the most recent past century when it would be >50 years ahead', () => {
    // '94' in 2025 would be 2094 (69 years ahead), so it is 1994: long past, no wait.
    expect(retryAfterMs('Sunday, 06-Nov-94 08:49:37 GMT', NOW)).toBe(0);
  });

  it('gives 0 for a date in the past', () => {
    expect(retryAfterMs('Sun, 06 Nov 1994 08:49:37 GMT', NOW)).toBe(0);
  });

  it('ignores absent or malformed values so the caller falls back to its own backoff', () => {
    for (const value of [
      null,
      undefined,
      '',
      '-1',
      '1.5',
      '2 s',
      'soon',
      'Sun, 31 Feb 2025 12:00:00 GMT',
      'Sun, 15 Jun 2025 12:00:00 UTC',
    ]) {
      expect(retryAfterMs(value, NOW), String(value)).toBeUndefined();
    }
  });
});

describe('isRetryable', () => {
  it('retries rate limiting, request timeouts and transient server errors', () => {
    for (const status of [408, 429, 500, 502, 503, 504, 599])
      expect(isRetryable(status), String(status)).toBe(true);
  });

  it('does not retry successes, client errors or permanent server conditions', () => {
    for (const status of [200, 304, 400, 401, 403, 404, 410, 501, 505, 506, 508, 510, 511]) {
      expect(isRetryable(status), String(status)).toBe(false);
    }
  });
});

describe('resolveRetryPolicy', () => {
  it('fills missing fields with the defaults', () => {
    expect(resolveRetryPolicy({ maxAttempts: 2 })).toEqual({ ...DEFAULT_RETRY_POLICY, maxAttempts: 2 });
  });

  it('refuses a policy that could never make a request or never time out', () => {
    expect(() => resolveRetryPolicy({ maxAttempts: 0 })).toThrow(RangeError);
    expect(() => resolveRetryPolicy({ timeoutMs: 0 })).toThrow(RangeError);
    expect(() => resolveRetryPolicy({ baseDelayMs: Number.NaN })).toThrow(RangeError);
  });
});
