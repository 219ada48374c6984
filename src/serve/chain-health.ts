import type { LedgerDoor } from '../ledger/ledger-door.js';
import { nodeEventHasher } from '../ledger/node-hasher.js';
import { ChainVerifier } from '../ledger/pure/verify-chain.js';
import type { Verification } from './api-schemas.js';

export interface ChainHealthOptions {
  /** Events per slice; the server answers other requests between slices. */
  chunk?: number;
  /** A verification asked for sooner than this after the last one returns the last one. */
  minIntervalMs?: number;
  now?: () => number;
}

const MAX_FAILURES_SHOWN = 10;

/**
 * The chain verification behind /healthz: the same check as `kfm verify` (every body hashes to its
 * hash, prev links, gapless seq, columns, schemas), run at start-up and on demand, its result
 * cached. It reads the ledger in seq slices and yields between them, so a long ledger does not stop
 * the server answering; concurrent requests for a verification share the one that is running.
 */
export class ChainHealth {
  readonly #ledger: LedgerDoor;
  readonly #chunk: number;
  readonly #minIntervalMs: number;
  readonly #now: () => number;
  #last: Verification | null = null;
  #running: Promise<Verification> | null = null;

  constructor(ledger: LedgerDoor, options: ChainHealthOptions = {}) {
    this.#ledger = ledger;
    this.#chunk = options.chunk ?? 5000;
    this.#minIntervalMs = options.minIntervalMs ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  get last(): Verification | null {
    return this.#last;
  }

  get running(): boolean {
    return this.#running !== null;
  }

  /** Verifies now (or joins the verification already running). */
  verify(): Promise<Verification> {
    this.#running ??= this.#run().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  /** Verifies unless the last verification finished less than minIntervalMs ago (a cheap /healthz?verify=1). */
  refresh(): Promise<Verification> {
    const last = this.#last;
    if (
      last !== null &&
      this.#running === null &&
      this.#now() - Date.parse(last.finished_at) < this.#minIntervalMs
    )
      return Promise.resolve(last);
    return this.verify();
  }

  async #run(): Promise<Verification> {
    const started = this.#now();
    const target = await this.#ledger.head();
    const verifier = new ChainVerifier({ hasher: nodeEventHasher, maxFailures: MAX_FAILURES_SHOWN });
    for (let from = 1; from <= target.seq; from += this.#chunk) {
      const to = Math.min(from + this.#chunk - 1, target.seq);
      for await (const row of this.#ledger.read({ from_seq: from, to_seq: to })) verifier.push(row);
      // Let requests in between slices (setImmediate runs after pending I/O callbacks).
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const report = verifier.finish();
    const finished = this.#now();
    this.#last = {
      ok: report.ok,
      head: report.head,
      events: report.events,
      failures: report.failures.map((f) => ({ seq: f.seq, code: f.code, message: f.message })),
      failures_omitted: report.failures_omitted,
      started_at: new Date(started).toISOString(),
      finished_at: new Date(finished).toISOString(),
      duration_ms: finished - started,
    };
    return this.#last;
  }
}
