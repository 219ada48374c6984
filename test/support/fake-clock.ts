/**
 * A clock for code that takes `now`, `sleep` and `setTimer` as parameters (the upstream client, its
 * token bucket, a backfill run in process): time moves only when the code sleeps or a timer fires,
 * every sleep is remembered, and a timer fires only when the test fires it — so a timeout happens
 * exactly when the test has seen what it waits for, however slow the machine is.
 */
export interface FakeTimer {
  /** The timeout it was armed with. */
  readonly ms: number;
  /** Runs its callback (once) and moves the clock to its deadline, unless it was cancelled. */
  fire(): void;
}

export interface FakeClock {
  now(): number;
  sleep(ms: number): Promise<void>;
  setTimer(ms: number, fire: () => void): () => void;
  /** Every sleep asked for, in order. */
  readonly slept: number[];
  /** Timers armed and neither cancelled nor fired yet, oldest first. */
  pending(): FakeTimer[];
  /** The next timer armed from now on. */
  nextTimer(): Promise<FakeTimer>;
}

export function fakeClock(startMs = 0): FakeClock {
  let t = startMs;
  const slept: number[] = [];
  const live = new Set<FakeTimer>();
  const waiting: ((timer: FakeTimer) => void)[] = [];
  return {
    now: () => t,
    sleep: async (ms) => {
      slept.push(ms);
      t += ms;
    },
    setTimer: (ms, callback) => {
      const deadline = t + ms;
      const timer: FakeTimer = {
        ms,
        fire: () => {
          if (!live.delete(timer)) return;
          t = Math.max(t, deadline);
          callback();
        },
      };
      live.add(timer);
      for (const resolve of waiting.splice(0)) resolve(timer);
      return () => {
        live.delete(timer);
      };
    },
    slept,
    pending: () => [...live],
    nextTimer: () => new Promise((resolve) => waiting.push(resolve)),
  };
}
