import { contentHash, versionIdOf } from '../contract/promotion/content-hash.js';
import type { PayloadOf } from '../events/index.js';
import type { Sha256Hex } from '../ledger/pure/event-hash.js';
import type { AuditFailure, InvariantCode } from '../projections/audit-failure.js';
import { isType, type LedgerEvent } from '../projections/ledger-event.js';

/** One stage of a run: the events between a run.started and its run.completed. */
interface OpenStage {
  seq: number;
  stage: string;
  deniedSeq: number | null;
  versionSeq: number | null;
}

/** What a run (all its stages share the run_id) needs remembered; never its events. */
interface RunState {
  open: OpenStage | null;
  lastCompletedSeq: number | null;
  /** Latest work.artifact.written / transform.applied: a validation older than it is stale. */
  lastChangeSeq: number;
  validation: { seq: number; passed: boolean } | null;
}

interface VersionState {
  seq: number;
  content_hash: string;
  /** contentHash of the recorded artifacts: a fingerprint of the content, whatever the event claims. */
  recomputed: string;
}

type VersionEvent = LedgerEvent & { payload: PayloadOf<'version.published'> | PayloadOf<'version.reused'> };

/**
 * The replay invariants of docs/design.md ("kfm verify … replay invariants"), as a reducer over the
 * events in seq order: push each, then `finish()`. Memory grows with runs and versions, never with
 * events, so it streams a ledger of any length. Events must satisfy their schema (verify reports
 * the ones that do not, and does not push them here).
 *
 * A forged event with a valid hash chain is caught here and only here: the chain proves who came
 * after whom, these rules prove the history makes sense.
 */
export class InvariantChecker {
  readonly #sha256: Sha256Hex;
  readonly #runs = new Map<string, RunState>();
  readonly #versions = new Map<string, VersionState>();
  readonly #failures: AuditFailure[] = [];
  readonly #maxFailures: number;
  /** Findings beyond `maxFailures` are counted, not kept, so a ruined ledger cannot exhaust memory. */
  #omitted = 0;

  constructor(sha256: Sha256Hex, maxFailures = 1000) {
    this.#sha256 = sha256;
    this.#maxFailures = maxFailures;
  }

  push(event: LedgerEvent): void {
    const key = `${event.dataset_id}\u0000${event.run_id}`;
    if (isType(event, 'run.started')) this.#started(key, event);
    else if (isType(event, 'run.completed')) this.#completed(key, event);
    else if (isType(event, 'work.artifact.written') || isType(event, 'transform.applied'))
      this.#run(key).lastChangeSeq = event.seq;
    else if (isType(event, 'validation.reported'))
      this.#run(key).validation = { seq: event.seq, passed: event.payload.passed };
    else if (isType(event, 'promotion.denied')) this.#denied(key, event);
    else if (isType(event, 'version.published')) {
      this.#gatePassed(key, event);
      this.#published(event);
    } else if (isType(event, 'version.reused')) {
      this.#gatePassed(key, event);
      this.#reused(event);
    }
  }

  get omitted(): number {
    return this.#omitted;
  }

  /** Every stage still open at the end never completed (or is running while verify reads). */
  finish(): AuditFailure[] {
    for (const [key, run] of this.#runs) {
      if (run.open === null) continue;
      const [datasetId, runId] = key.split('\u0000');
      this.#fail(
        run.open.seq,
        'RUN_UNFINISHED',
        `the ${run.open.stage} stage of run ${runId} started here and has no run.completed (crashed, or still running): \`kfm recover ${datasetId}\` closes it as INTERRUPTED once no stage of ${datasetId} runs, and removes what it left`,
      );
    }
    return this.#failures.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
  }

  #run(key: string): RunState {
    let run = this.#runs.get(key);
    if (run === undefined) {
      run = { open: null, lastCompletedSeq: null, lastChangeSeq: 0, validation: null };
      this.#runs.set(key, run);
    }
    return run;
  }

  #started(key: string, event: LedgerEvent & { payload: PayloadOf<'run.started'> }): void {
    const run = this.#run(key);
    if (run.open !== null) {
      this.#fail(
        run.open.seq,
        'RUN_UNFINISHED',
        `the ${run.open.stage} stage of run ${event.run_id} started here and has no run.completed before the next run.started at seq ${event.seq}`,
      );
    }
    run.open = { seq: event.seq, stage: event.payload.stage, deniedSeq: null, versionSeq: null };
  }

  #completed(key: string, event: LedgerEvent): void {
    const run = this.#runs.get(key);
    if (run?.open != null) {
      run.open = null;
      run.lastCompletedSeq = event.seq;
    } else if (run?.lastCompletedSeq != null) {
      this.#fail(
        event.seq,
        'RUN_COMPLETED_TWICE',
        `run ${event.run_id} was already completed at seq ${run.lastCompletedSeq} and not started again`,
      );
    } else {
      this.#fail(
        event.seq,
        'RUN_COMPLETED_WITHOUT_START',
        `run ${event.run_id} of ${event.dataset_id} completes here but never started`,
      );
    }
  }

  #denied(key: string, event: LedgerEvent): void {
    const open = this.#run(key).open;
    if (open === null) return;
    open.deniedSeq ??= event.seq;
    if (open.versionSeq !== null) {
      this.#fail(
        open.versionSeq,
        'VERSION_AFTER_DENIAL',
        `this stage of run ${event.run_id} both passed the gate here and was denied at seq ${event.seq}`,
      );
    }
  }

  /** A version (published or reused) means the gate passed: validation fresh and passed, no denial. */
  #gatePassed(key: string, event: VersionEvent): void {
    const run = this.#run(key);
    const { version_id } = event.payload;
    const open = run.open;
    if (open !== null) {
      open.versionSeq ??= event.seq;
      if (open.deniedSeq !== null) {
        this.#fail(
          event.seq,
          'VERSION_AFTER_DENIAL',
          `${version_id} recorded in the ${open.stage} stage whose gate was denied at seq ${open.deniedSeq}`,
        );
      }
    }
    const validation = run.validation;
    const why =
      validation === null
        ? `run ${event.run_id} has no validation.reported before it`
        : run.lastChangeSeq > validation.seq
          ? `outputs of run ${event.run_id} changed at seq ${run.lastChangeSeq}, after its validation at seq ${validation.seq}`
          : validation.passed
            ? null
            : `the latest validation of run ${event.run_id}, at seq ${validation.seq}, failed`;
    if (why !== null) this.#fail(event.seq, 'VERSION_UNVALIDATED', `${version_id}: ${why}`);
  }

  #published(event: LedgerEvent & { payload: PayloadOf<'version.published'> }): void {
    const { version_id, content_hash, artifacts } = event.payload;
    const recomputed = contentHash(event.dataset_id, artifacts, this.#sha256);
    if (recomputed !== content_hash) {
      this.#fail(
        event.seq,
        'VERSION_HASH_MISMATCH',
        `${version_id}: content_hash ${content_hash} is not the hash of its artifacts (${recomputed})`,
      );
    } else if (versionIdOf(content_hash) !== version_id) {
      this.#fail(
        event.seq,
        'VERSION_HASH_MISMATCH',
        `${version_id} is not the version id of its content hash (${versionIdOf(content_hash)})`,
      );
    }
    const key = `${event.dataset_id}\u0000${version_id}`;
    const first = this.#versions.get(key);
    if (first === undefined) {
      this.#versions.set(key, { seq: event.seq, content_hash, recomputed });
    } else if (first.content_hash !== content_hash || first.recomputed !== recomputed) {
      this.#fail(
        event.seq,
        'VERSION_REPUBLISHED',
        `${version_id} of ${event.dataset_id} was published at seq ${first.seq} with other content; a version never changes`,
      );
    }
  }

  #reused(event: LedgerEvent & { payload: PayloadOf<'version.reused'> }): void {
    const { version_id, content_hash } = event.payload;
    const first = this.#versions.get(`${event.dataset_id}\u0000${version_id}`);
    const why =
      first === undefined
        ? `no version.published of ${event.dataset_id} before it`
        : first.content_hash !== content_hash
          ? `its content_hash ${content_hash} differs from ${first.content_hash}, published at seq ${first.seq}`
          : versionIdOf(content_hash) !== version_id
            ? `it is not the version id of content hash ${content_hash}`
            : null;
    if (why !== null) this.#fail(event.seq, 'VERSION_REUSE_MISMATCH', `reuses ${version_id}, but ${why}`);
  }

  #fail(seq: number, code: InvariantCode, message: string): void {
    if (this.#failures.length < this.#maxFailures) this.#failures.push({ seq, code, message });
    else this.#omitted++;
  }
}

/** The invariant findings of a whole event list (tests and small ledgers). */
export function checkReplayInvariants(events: Iterable<LedgerEvent>, sha256: Sha256Hex): AuditFailure[] {
  const checker = new InvariantChecker(sha256);
  for (const event of events) checker.push(event);
  return checker.finish();
}
