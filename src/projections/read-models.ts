import { MemoryRows, type ProjectionRows, type ReadModels, type RowStore } from '../ledger/read-models.js';
import type { LedgerEvent } from './ledger-event.js';
import { decodeRun, encodeCapture, encodeRun, encodeVersion } from './projection-columns.js';
import {
  type CaptureRow,
  PROJECTED_TYPES,
  type ProjectionStore,
  projectEvent,
  REDUCER_VERSION,
  type RunRow,
  rowsReadBy,
  type VersionRow,
} from './projection-rows.js';

/**
 * The reducers' typed store over a ledger's stored rows, for one batch: a run row is decoded once
 * and written once however many of the batch's events touch it (a thousand captures of one run
 * cost one run-row read and write); other rows pass straight through.
 */
class BatchStore implements ProjectionStore {
  readonly #rows: RowStore;
  readonly #runs = new Map<string, RunRow>();

  constructor(rows: RowStore) {
    this.#rows = rows;
  }
  getRun(datasetId: string, runId: string): RunRow | undefined {
    const held = this.#runs.get(`${datasetId}/${runId}`);
    if (held !== undefined) return held;
    const stored = this.#rows.get('proj_runs', [datasetId, runId]);
    return stored === undefined ? undefined : decodeRun(stored);
  }
  putRun(row: RunRow): void {
    this.#runs.set(`${row.dataset_id}/${row.run_id}`, row);
  }
  hasVersion(datasetId: string, versionId: string): boolean {
    return this.#rows.get('proj_versions', [datasetId, versionId]) !== undefined;
  }
  putVersion(row: VersionRow): void {
    this.#rows.put('proj_versions', encodeVersion(row));
  }
  putCapture(row: CaptureRow): void {
    this.#rows.put('proj_captures', encodeCapture(row));
  }
  flush(): void {
    for (const row of this.#runs.values()) this.#rows.put('proj_runs', encodeRun(row));
  }
}

/**
 * This project's read models as the ledger takes them (src/ledger/read-models.ts): the runs,
 * versions and captures tables, kept by the reducers of projection-rows.ts. Whoever opens a ledger
 * passes this in (src/compose/open-kfm-ledger.ts).
 */
export const READ_MODELS: ReadModels = {
  version: REDUCER_VERSION,
  types: PROJECTED_TYPES,
  reads: rowsReadBy,
  project(rows, events) {
    const batch = new BatchStore(rows);
    for (const event of events) projectEvent(batch, event);
    batch.flush();
  },
};

/** The rows a ledger's tables must hold after these events (in seq order): what replay compares. */
export function projectRows(events: Iterable<LedgerEvent>): ProjectionRows {
  const rows = new MemoryRows();
  READ_MODELS.project(
    rows,
    [...events].filter((event) => PROJECTED_TYPES.has(event.type)),
  );
  return rows.rows();
}
