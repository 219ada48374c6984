import { KfmError } from '../errors.js';
import { isType, type LedgerEvent } from '../projections/ledger-event.js';

/** How the promote that closed a run ended, and where the ledger says so. */
export interface RunClosure {
  outcome: 'published' | 'reused' | 'denied';
  /** Seq of the closing promote's run.completed. */
  seq: number;
  recorded_at: string;
  version_id: string | null;
}

/**
 * The promote stage that closed a run, from the run's events in seq order, or null while it is open.
 * A run closes when a promote completes (published, reused or denied); a promote that failed (an
 * error, or INTERRUPTED after a kill) leaves it open, so the rerun can finish it.
 */
export function runClosure(events: readonly LedgerEvent[]): RunClosure | null {
  let inPromote = false;
  let outcome: RunClosure['outcome'] | null = null;
  let versionId: string | null = null;
  for (const e of events) {
    if (isType(e, 'run.started')) {
      inPromote = e.payload.stage === 'promote';
      outcome = null;
      versionId = null;
    } else if (inPromote && isType(e, 'version.published')) {
      outcome = 'published';
      versionId = e.payload.version_id;
    } else if (inPromote && isType(e, 'version.reused')) {
      outcome = 'reused';
      versionId = e.payload.version_id;
    } else if (inPromote && isType(e, 'promotion.denied')) {
      outcome = 'denied';
    } else if (inPromote && isType(e, 'run.completed')) {
      if (e.payload.status !== 'failed' && outcome !== null)
        return { outcome, seq: e.seq, recorded_at: e.recorded_at, version_id: versionId };
      inPromote = false;
    }
  }
  return null;
}

/** RUN_CLOSED for a stage asked to run on a closed run: names the run, its closing promote and the fix. */
export function runClosedError(
  datasetId: string,
  runId: string,
  stage: string,
  closure: RunClosure,
): KfmError {
  const what =
    closure.outcome === 'denied'
      ? 'denied'
      : `${closure.outcome} version ${closure.version_id ?? '(unknown)'}`;
  return new KfmError(
    'RUN_CLOSED',
    `run ${runId} of ${datasetId} is closed: its promote ${what} at seq ${closure.seq} (${closure.recorded_at}), so no ${stage} may follow; start a new run: \`kfm ingest ${datasetId}\` (omit --run_id or give a new one)`,
    {
      details: {
        dataset_id: datasetId,
        run_id: runId,
        stage,
        closed_by: { stage: 'promote', ...closure },
      },
    },
  );
}
