import { z } from 'zod';
import { KfmError } from '../errors.js';
import type { DatasetEntry } from '../registry/dataset-entry.js';
import type { RetryPolicy } from './retry-policy.js';
import { tokenBucket } from './token-bucket.js';
import {
  type AttemptInfo,
  createUpstreamClient,
  REAL_UPSTREAM_DEPS,
  type UpstreamClient,
  type UpstreamDeps,
} from './upstream-client.js';

/**
 * The upstream settings of one run: the registry's `upstream.rate_limit`, overridden by `--config`'s
 * `upstream` object, which may also tune the retry policy. Unknown keys are refused, so a typo
 * (`rate_limt`) cannot silently lift a rate limit.
 */
const ConfigUpstream = z.strictObject({
  uri: z.string(),
  media_type: z.string().optional(),
  /** Requests per second, shared by every request of the run (a backfill's child runs included). */
  rate_limit: z.number().positive().optional(),
  /** Attempts per request, the first included: the per-request retry budget is max_attempts - 1. */
  max_attempts: z.number().int().min(1).max(100).optional(),
  /** Retries the whole run may spend; when spent, the next failure ends the run (exit 4). */
  retry_budget: z.number().int().min(0).optional(),
  timeout_ms: z.number().int().positive().optional(),
  base_delay_ms: z.number().int().nonnegative().optional(),
  max_delay_ms: z.number().int().nonnegative().optional(),
  max_retry_after_ms: z.number().int().nonnegative().optional(),
});

export interface UpstreamSettings {
  rate_limit: number | null;
  retry_budget: number;
  policy: Partial<RetryPolicy>;
}

/** Retries one run may spend unless --config says otherwise. */
export const DEFAULT_RETRY_BUDGET = 50;

export function upstreamSettings(
  entry: DatasetEntry | null,
  config: Record<string, unknown>,
  configFile: string | undefined,
): UpstreamSettings {
  let given: z.infer<typeof ConfigUpstream> | undefined;
  if (config.upstream !== undefined) {
    const parsed = ConfigUpstream.safeParse(config.upstream);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = ['upstream', ...issue.path.map(String)].join('.');
      throw new KfmError('INVALID_INPUT', `${configFile}: ${field}: ${issue.message}`, {
        details: { file: configFile, field },
      });
    }
    given = parsed.data;
  }
  const policy: Partial<RetryPolicy> = {};
  if (given?.max_attempts !== undefined) policy.maxAttempts = given.max_attempts;
  if (given?.timeout_ms !== undefined) policy.timeoutMs = given.timeout_ms;
  if (given?.base_delay_ms !== undefined) policy.baseDelayMs = given.base_delay_ms;
  if (given?.max_delay_ms !== undefined) policy.maxDelayMs = given.max_delay_ms;
  if (given?.max_retry_after_ms !== undefined) policy.maxRetryAfterMs = given.max_retry_after_ms;
  return {
    rate_limit: given?.rate_limit ?? entry?.upstream?.rate_limit ?? null,
    retry_budget: given?.retry_budget ?? DEFAULT_RETRY_BUDGET,
    policy,
  };
}

/** What a run has spent of its upstream limits; shared with a backfill's child runs. */
export interface RunLimits {
  readonly rate_limit: number | null;
  readonly retry_budget: number;
  requests(): number;
  retries(): number;
  budgetSpent(): boolean;
}

export interface RunUpstream {
  client: UpstreamClient;
  limits: RunLimits;
}

/** The client of one run, with its token bucket and retry budget wired into the client's hooks. */
export function createRunUpstream(settings: UpstreamSettings, deps: Partial<UpstreamDeps> = {}): RunUpstream {
  let requests = 0;
  let retries = 0;
  let refused = false;
  const clock = { now: deps.now ?? REAL_UPSTREAM_DEPS.now, sleep: deps.sleep ?? REAL_UPSTREAM_DEPS.sleep };
  const bucket = settings.rate_limit === null ? null : tokenBucket(settings.rate_limit, clock);
  const client = createUpstreamClient(
    {
      ...deps,
      beforeRequest: async () => {
        await deps.beforeRequest?.();
        await bucket?.();
        requests++;
      },
      takeRetry: () => {
        if (deps.takeRetry?.() === false || retries >= settings.retry_budget) {
          refused = true;
          return false;
        }
        retries++;
        return true;
      },
      onAttempt: (info: AttemptInfo) => deps.onAttempt?.(info),
    },
    settings.policy,
  );
  return {
    client,
    limits: {
      rate_limit: settings.rate_limit,
      retry_budget: settings.retry_budget,
      requests: () => requests,
      retries: () => retries,
      budgetSpent: () => refused,
    },
  };
}
