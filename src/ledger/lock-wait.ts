/** Time as the wait loop sees it: injected, so its logic is tested with a fake clock, not real time. */
export interface WaitClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const REAL_CLOCK: WaitClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** How often a waiting stage looks at the lock again. */
export const POLL_MS = 100;

/**
 * Calls `attempt` until it returns a value or `waitMs` has passed: always once, and once more at
 * the deadline, so `--wait 0` is exactly one try and a lock freed during the last sleep is still
 * taken. Never sleeps past the deadline. undefined: the wait ran out.
 */
export async function retryUntil<T>(
  attempt: () => T | undefined | Promise<T | undefined>,
  waitMs: number,
  clock: WaitClock,
  pollMs = POLL_MS,
): Promise<T | undefined> {
  const deadline = clock.now() + waitMs;
  for (;;) {
    const got = await attempt();
    if (got !== undefined) return got;
    const left = deadline - clock.now();
    if (left <= 0) return undefined;
    await clock.sleep(Math.min(pollMs, left));
  }
}
