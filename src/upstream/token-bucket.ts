/**
 * A token bucket (one token per request, `ratePerSecond` tokens a second, at most `burst` saved)
 * for the client's `beforeRequest` hook, so every request of a run — retries, pages and the child
 * runs of a backfill included — shares one rate limit. Callers are served in arrival order.
 *
 * With the default burst of 1 the bucket spaces requests at least 1/rate apart, measured from when
 * each request was actually let through (not when it was due): a late timer never lets the next
 * request catch up, so no one-second window at the upstream sees more than `ratePerSecond` requests.
 */
export interface BucketClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export function tokenBucket(ratePerSecond: number, clock: BucketClock, burst = 1): () => Promise<void> {
  if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond)) {
    throw new RangeError(`rate limit must be a positive number of requests per second, not ${ratePerSecond}`);
  }
  if (!Number.isInteger(burst) || burst < 1) throw new RangeError(`burst must be a positive integer`);
  const intervalMs = 1000 / ratePerSecond;
  let tokens = burst;
  let refilledAt = clock.now();
  let queue: Promise<void> = Promise.resolve();

  const refill = (): void => {
    const now = clock.now();
    tokens = Math.min(burst, tokens + (now - refilledAt) / intervalMs);
    refilledAt = now;
  };
  const take = async (): Promise<void> => {
    refill();
    while (tokens < 1) {
      await clock.sleep(Math.ceil((1 - tokens) * intervalMs));
      refill();
    }
    tokens -= 1;
  };
  return () => {
    const turn = queue.then(take);
    queue = turn.catch(() => undefined);
    return turn;
  };
}
