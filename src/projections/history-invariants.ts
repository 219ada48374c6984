import { isKnownEventType, type KnownEventType, type PayloadOf } from '../events/index.js';
import type { AuditFailure, HistoryCode } from './audit-failure.js';
import { isType, type LedgerEvent } from './ledger-event.js';

type StageName = PayloadOf<'run.started'>['stage'];

/**
 * The core types each stage of the runtime records between its run.started and run.completed
 * (src/contract/stages/*, receipts.ts). A core event anywhere else was not written by a stage.
 */
export const STAGE_EMITS: Readonly<Record<StageName, readonly KnownEventType[]>> = {
  ingest: ['source.discovered', 'raw.captured', 'raw.manifest.written'],
  // A backfill captures nothing itself: each window is an ingest stage of a child run. Its own run
  // records the windows, and the raw manifest after closing runs a killed backfill left open.
  backfill: ['raw.manifest.written', 'backfill.window.completed'],
  transform: ['work.artifact.written', 'transform.applied'],
  validate: ['validation.reported'],
  promote: ['promotion.denied', 'version.published', 'version.reused', 'catalog.emitted'],
};

export interface HistoryFailure extends AuditFailure {
  seq: number;
  code: HistoryCode;
}

interface Output {
  path: string;
  sha256: string;
}

interface RunHistory {
  stage: StageName | null;
  /** The run's outputs as projectRunOutputs derives them: latest work write per path, else raw captures. */
  work: Map<string, string>;
  raw: Map<string, string>;
  /** The latest validation.reported: whether it passed, and the sha256s of the outputs it read. */
  validation: { passed: boolean; sha256s: string[]; stale: boolean } | null;
}

/**
 * The history invariants (issue 10, item 2) as a reducer over one dataset's events in seq order:
 * every core event lies in an open stage of its run that records that type (`EVENT_OUTSIDE_STAGE`),
 * every validation says what it validated and passes exactly when its checks do
 * (`VALIDATION_INCONSISTENT`), and every version is exactly the content its run's passed validation
 * read (`VERSION_CONTENT_UNVALIDATED`). Memory follows the dataset's runs and outputs, so verify
 * --deep runs one checker per dataset and the gate one over the run it promotes.
 *
 * A forger who can write the SQLite file can still append a whole stage the runtime could have
 * written; what this rules out is history the runtime cannot have written.
 */
export class HistoryChecker {
  readonly #runs = new Map<string, RunHistory>();
  /** sha256s by version id, as published: what a version.reused stands for. */
  readonly #versions = new Map<string, string[]>();
  /** First validation naming its outputs: from then on kfm records them, the old shape is a forgery. */
  #namedSince: number | null = null;
  readonly #failures: HistoryFailure[] = [];
  readonly #maxFailures: number;
  #omitted = 0;

  constructor(maxFailures = 1000) {
    this.#maxFailures = maxFailures;
  }

  push(event: LedgerEvent): void {
    // Extension facts (x.*) are the connectors' own, appended with `kfm append` at any time.
    if (!isKnownEventType(event.type)) return;
    const run = this.#run(event.dataset_id, event.run_id);
    if (isType(event, 'run.started')) run.stage = event.payload.stage;
    else if (isType(event, 'run.completed')) run.stage = null;
    else {
      this.#placed(run, event);
      this.#apply(run, event);
    }
  }

  /**
   * The sha256s the run's latest validation passed over, if nothing changed since; else null (the
   * gate then denies VALIDATION_MISSING or VALIDATION_FAILED).
   */
  validatedContent(datasetId: string, runId: string): string[] | null {
    const validation = this.#runs.get(`${datasetId}\u0000${runId}`)?.validation;
    return validation?.passed && !validation.stale ? validation.sha256s : null;
  }

  get omitted(): number {
    return this.#omitted;
  }

  finish(): HistoryFailure[] {
    return this.#failures;
  }

  #run(datasetId: string, runId: string): RunHistory {
    const key = `${datasetId}\u0000${runId}`;
    let run = this.#runs.get(key);
    if (run === undefined) {
      run = { stage: null, work: new Map(), raw: new Map(), validation: null };
      this.#runs.set(key, run);
    }
    return run;
  }

  #placed(run: RunHistory, event: LedgerEvent): void {
    const type = event.type as KnownEventType;
    if (run.stage === null) {
      this.#fail(
        event.seq,
        'EVENT_OUTSIDE_STAGE',
        `${type} of run ${event.run_id} lies outside any stage of the run (no run.started open): the runtime never records it there`,
      );
    } else if (!STAGE_EMITS[run.stage].includes(type)) {
      this.#fail(
        event.seq,
        'EVENT_OUTSIDE_STAGE',
        `${type} of run ${event.run_id} lies in its ${run.stage} stage, which never records it (it records ${STAGE_EMITS[run.stage].join(', ')})`,
      );
    }
  }

  #apply(run: RunHistory, event: LedgerEvent): void {
    if (isType(event, 'raw.captured')) run.raw.set(event.payload.path, event.payload.sha256);
    else if (isType(event, 'work.artifact.written') || isType(event, 'transform.applied')) {
      if (isType(event, 'work.artifact.written')) run.work.set(event.payload.path, event.payload.sha256);
      if (run.validation !== null) run.validation.stale = true;
    } else if (isType(event, 'validation.reported')) this.#validated(run, event);
    else if (isType(event, 'version.published')) {
      const sha256s = event.payload.artifacts.map((a) => a.sha256);
      if (!this.#versions.has(event.payload.version_id))
        this.#versions.set(event.payload.version_id, sha256s);
      this.#content(run, event, sha256s);
    } else if (isType(event, 'version.reused')) {
      // A reuse of no published version is VERSION_REUSE_MISMATCH (replay-invariants.ts).
      const sha256s = this.#versions.get(event.payload.version_id);
      if (sha256s !== undefined) this.#content(run, event, sha256s);
    }
  }

  #validated(run: RunHistory, event: LedgerEvent & { payload: PayloadOf<'validation.reported'> }): void {
    const { passed, checks, outputs: named } = event.payload;
    const outputs = currentOutputs(run);
    const problems: string[] = [];
    const allPassed = checks.every((c) => c.passed);
    if (passed !== allPassed)
      problems.push(`passed is ${passed} but ${allPassed ? 'every check passed' : 'a check failed'}`);
    if (named === undefined) {
      if (this.#namedSince !== null)
        problems.push(
          `it names no outputs, though validations recorded them since seq ${this.#namedSince} (the shape of a kfm before issue 10)`,
        );
    } else {
      this.#namedSince ??= event.seq;
      if (!sameOutputs(named, outputs))
        problems.push(
          `it names outputs ${describe(named)}, but the run's outputs at this point are ${describe(outputs)}`,
        );
    }
    if (problems.length > 0)
      this.#fail(
        event.seq,
        'VALIDATION_INCONSISTENT',
        `validation of run ${event.run_id}: ${problems.join('; ')}`,
      );
    // What the runtime's validate read: the outputs the run's events determine (named ones must agree).
    run.validation = { passed, sha256s: outputs.map((o) => o.sha256), stale: false };
  }

  #content(
    run: RunHistory,
    event: LedgerEvent & { payload: { version_id: string } },
    sha256s: string[],
  ): void {
    // No passed, current validation at all is VERSION_UNVALIDATED (replay-invariants.ts): not twice.
    const validation = run.validation;
    if (validation === null || !validation.passed || validation.stale) return;
    const unvalidated = unvalidatedContent(sha256s, validation.sha256s);
    if (unvalidated !== null)
      this.#fail(
        event.seq,
        'VERSION_CONTENT_UNVALIDATED',
        `${event.payload.version_id} of run ${event.run_id}: ${unvalidated}`,
      );
  }

  #fail(seq: number, code: HistoryCode, message: string): void {
    if (this.#failures.length < this.#maxFailures) this.#failures.push({ seq, code, message });
    else this.#omitted++;
  }
}

/**
 * Why a version's artifacts (by sha256) are not exactly the outputs a validation passed over, or
 * null when they are. Generalization happens in the transform, before validation, so a published
 * artifact is byte for byte a validated output: nothing may differ.
 */
export function unvalidatedContent(
  artifacts: readonly string[],
  validated: readonly string[],
): string | null {
  const a = [...artifacts].sort();
  const v = [...validated].sort();
  if (a.length === v.length && a.every((sha256, i) => sha256 === v[i])) return null;
  const extra = a.filter((sha256) => !v.includes(sha256));
  return extra.length > 0
    ? `artifact sha256 ${extra.join(', ')} is not among the ${v.length} output(s) its validation passed over`
    : `its ${a.length} artifact(s) are not exactly the ${v.length} output(s) its validation passed over`;
}

/**
 * The history invariants of a whole ledger, read a dataset at a time (`kfm verify --deep` reads each
 * dataset once for its file checks): findings are kept across datasets, run state is not.
 */
export class DatasetHistories {
  readonly #failures: AuditFailure[] = [];
  readonly #checked = new Set<string>();
  readonly #maxFailures: number;
  #omitted = 0;

  constructor(maxFailures = 1000) {
    this.#maxFailures = maxFailures;
  }

  get omitted(): number {
    return this.#omitted;
  }

  /** Checks one dataset's events (once per dataset, however often they are read) and returns them. */
  check(datasetId: string, events: LedgerEvent[]): LedgerEvent[] {
    if (this.#checked.has(datasetId)) return events;
    this.#checked.add(datasetId);
    const checker = new HistoryChecker(this.#maxFailures - this.#failures.length);
    for (const event of events) checker.push(event);
    this.#failures.push(...checker.finish());
    this.#omitted += checker.omitted;
    return events;
  }

  get failures(): readonly AuditFailure[] {
    return this.#failures;
  }
}

/** The history findings of an event list (one dataset, or one run for the gate). */
export function checkHistory(events: Iterable<LedgerEvent>): HistoryFailure[] {
  const checker = new HistoryChecker();
  for (const event of events) checker.push(event);
  return checker.finish();
}

function currentOutputs(run: RunHistory): Output[] {
  const chosen = run.work.size > 0 ? run.work : run.raw;
  return [...chosen]
    .map(([path, sha256]) => ({ path, sha256 }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function sameOutputs(named: readonly Output[], outputs: readonly Output[]): boolean {
  const sorted = [...named].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return (
    sorted.length === outputs.length &&
    sorted.every((o, i) => o.path === outputs[i]!.path && o.sha256 === outputs[i]!.sha256)
  );
}

function describe(outputs: readonly Output[]): string {
  return outputs.length === 0
    ? '(none)'
    : outputs.map((o) => `${o.path} ${o.sha256.slice(0, 12)}`).join(', ');
}
