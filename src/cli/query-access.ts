import { KfmError } from '../errors.js';
import type { LedgerDoor } from '../ledger/ledger-door.js';
import { type LedgerEvent, readEvents } from '../projections/ledger-event.js';
import { queryReadModels, type ReadModelQueries } from '../projections/read-model-queries.js';
import { didYouMean, nearestIds } from '../registry/nearest-ids.js';
import { type GlobalOptions, resolvePaths } from './io.js';
import { withLedger } from './ledger-access.js';

/**
 * What the query commands (versions, runs, show, prov, lineage) share: the ledger with its
 * projection tables, indexed event reads, and NOT_FOUND errors that name what was not found —
 * an unknown id is an error (exit 2), never an empty answer.
 */
export interface QueryContext {
  ledger: LedgerDoor;
  queries: ReadModelQueries;
  head: number;
}

/** Opens the ledger read-only; the tables must be current (MIGRATION_REQUIRED names `kfm migrate`). */
export function withQueries<T>(
  options: GlobalOptions,
  use: (ctx: QueryContext) => Promise<T> | T,
): Promise<T> {
  return withLedger(resolvePaths(options).ledger, { readOnly: true }, async (ledger) => {
    const queries = await queryReadModels(ledger);
    return use({ ledger, queries, head: (await ledger.head()).seq });
  });
}

export function notFound(message: string, details: Record<string, unknown>): KfmError {
  return new KfmError('NOT_FOUND', message, { details });
}

/** Throws NOT_FOUND unless some run of the dataset had started (or captured) by `toSeq`. */
export async function requireDataset(ctx: QueryContext, datasetId: string, toSeq?: number): Promise<void> {
  if (await ctx.queries.datasetKnown(datasetId, toSeq)) return;
  // A point before the dataset's first run (`--as-of`): say where its history starts.
  const first = toSeq === undefined ? undefined : (await ctx.queries.runs({ dataset_id: datasetId }))[0];
  if (first !== undefined) {
    throw notFound(
      `dataset ${datasetId} has no runs in the ledger as of seq ${toSeq}: its first run starts at seq ${first.first_seq}; give --as-of ${first.first_seq} or later`,
      { dataset_id: datasetId, as_of_seq: toSeq, first_seq: first.first_seq },
    );
  }
  const when = toSeq === undefined || toSeq >= ctx.head ? '' : ` as of seq ${toSeq}`;
  const suggestions = nearestIds(datasetId, await ctx.ledger.datasetIds());
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
export function readDatasetEvents(
  ctx: QueryContext,
  datasetId: string,
  toSeq?: number,
): Promise<LedgerEvent[]> {
  const filter = toSeq === undefined ? { dataset_id: datasetId } : { dataset_id: datasetId, to_seq: toSeq };
  return readEvents(ctx.ledger, filter);
}

/** One run's events, in seq order (events_by_run). */
export function readRunEvents(ctx: QueryContext, datasetId: string, runId: string): Promise<LedgerEvent[]> {
  return readEvents(ctx.ledger, { dataset_id: datasetId, run_id: runId });
}

/**
 * Where the content of each capture in `events` that was seen before was first stored in the
 * dataset (proj_captures by sha256), looked up before projecting, which is pure and synchronous.
 */
export async function firstCaptures(
  ctx: QueryContext,
  datasetId: string,
  events: readonly LedgerEvent[],
): Promise<(sha256: string) => { run_id: string; seq: number } | null> {
  const found = new Map<string, { run_id: string; seq: number } | null>();
  for (const event of events) {
    const p = event.payload as { sha256?: unknown; seen_before?: unknown };
    if (event.type !== 'raw.captured' || p.seen_before !== true || typeof p.sha256 !== 'string') continue;
    if (found.has(p.sha256)) continue;
    const first = (await ctx.queries.capturesBySha256(p.sha256)).find(
      (c) => c.dataset_id === datasetId && !c.seen_before,
    );
    found.set(p.sha256, first === undefined ? null : { run_id: first.run_id, seq: first.seq });
  }
  return (sha256) => found.get(sha256) ?? null;
}

/** The events that prove an answer, as `kfm show` and `kfm lineage` list them. */
export function proofOf(events: readonly LedgerEvent[]) {
  return events.map((e) => ({ seq: e.seq, type: e.type, hash: e.hash, recorded_at: e.recorded_at }));
}
