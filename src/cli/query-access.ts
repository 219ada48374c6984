import { KfmError } from '../errors.js';
import { ProjectionQueries } from '../ledger/projection-queries.js';
import type { SqliteLedger } from '../ledger/sqlite-ledger.js';
import { decodeEvent, type LedgerEvent } from '../projections/ledger-event.js';
import { didYouMean, nearestIds } from '../registry/nearest-ids.js';
import { type GlobalOptions, resolvePaths } from './io.js';
import { withLedger } from './ledger-access.js';

/**
 * What the query commands (versions, runs, show, prov, lineage) share: the ledger with its
 * projection tables, indexed event reads, and NOT_FOUND errors that name what was not found —
 * an unknown id is an error (exit 2), never an empty answer.
 */
export interface QueryContext {
  ledger: SqliteLedger;
  queries: ProjectionQueries;
  head: number;
}

/** Opens the ledger read-only; the tables must be current (MIGRATION_REQUIRED names `kfm migrate`). */
export function withQueries<T>(options: GlobalOptions, use: (ctx: QueryContext) => T): Promise<T> {
  return withLedger(resolvePaths(options).ledger, { readOnly: true }, (ledger) => {
    ledger.requireCurrentTables();
    return use({ ledger, queries: new ProjectionQueries(ledger.db), head: ledger.head().seq });
  });
}

export function notFound(message: string, details: Record<string, unknown>): KfmError {
  return new KfmError('NOT_FOUND', message, { details });
}

/** Throws NOT_FOUND unless some run of the dataset had started (or captured) by `toSeq`. */
export function requireDataset(ctx: QueryContext, datasetId: string, toSeq?: number): void {
  if (ctx.queries.datasetKnown(datasetId, toSeq)) return;
  const when = toSeq === undefined || toSeq >= ctx.head ? '' : ` as of seq ${toSeq}`;
  const suggestions = nearestIds(datasetId, ctx.ledger.datasetIds());
  throw notFound(
    `dataset ${datasetId} has no runs in the ledger${when}${didYouMean(suggestions)}; see \`kfm runs\``,
    {
      dataset_id: datasetId,
      ...(suggestions.length > 0 ? { suggestions } : {}),
      ...(when === '' ? {} : { as_of_seq: toSeq }),
    },
  );
}

/** The dataset's events up to `toSeq`, in seq order (events_by_dataset). */
export function readDatasetEvents(ctx: QueryContext, datasetId: string, toSeq?: number): LedgerEvent[] {
  const filter = toSeq === undefined ? { dataset_id: datasetId } : { dataset_id: datasetId, to_seq: toSeq };
  return [...ctx.ledger.readEvents(filter)].map(decodeEvent);
}

/** One run's events, in seq order (events_by_run). */
export function readRunEvents(ctx: QueryContext, datasetId: string, runId: string): LedgerEvent[] {
  return [...ctx.ledger.readEvents({ dataset_id: datasetId, run_id: runId })].map(decodeEvent);
}

/** The capture that first stored this content in the dataset (proj_captures by sha256). */
export function firstCapture(ctx: QueryContext, datasetId: string, sha256: string) {
  const first = ctx.queries
    .capturesBySha256(sha256)
    .find((c) => c.dataset_id === datasetId && !c.seen_before);
  return first === undefined ? null : { run_id: first.run_id, seq: first.seq };
}

/** The events that prove an answer, as `kfm show` and `kfm lineage` list them. */
export function proofOf(events: readonly LedgerEvent[]) {
  return events.map((e) => ({ seq: e.seq, type: e.type, hash: e.hash, recorded_at: e.recorded_at }));
}
