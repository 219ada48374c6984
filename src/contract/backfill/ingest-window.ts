import { KfmError } from '../../errors.js';
import type { KnownEventType } from '../../events/index.js';
import { floorToGrid, ingestCursor, parseBatch } from '../../projections/backfill-windows.js';
import type { LedgerEvent } from '../../projections/ledger-event.js';
import type { DatasetEntry } from '../../registry/dataset-entry.js';
import type { ConnectorDefinition } from '../define-connector.js';
import type { StageRequest } from '../stage-types.js';

/** The events that say which windows are complete (see completedWindows), merged in seq order. */
export async function windowEvents(
  read: (type: KnownEventType) => Promise<LedgerEvent[]>,
): Promise<LedgerEvent[]> {
  const types: KnownEventType[] = ['run.started', 'run.completed', 'backfill.window.completed'];
  const events: LedgerEvent[] = [];
  for (const type of types) events.push(...(await read(type)));
  return events.sort((a, b) => a.seq - b.seq);
}

/** A registry `temporal.since` (a date or a date-time with offset) as a UTC instant. */
function instantOf(value: string): string {
  return new Date(value.length === 10 ? `${value}T00:00:00Z` : value).toISOString();
}

/**
 * What an incremental ingest answers when its cursor has reached the last whole grid step: a
 * result, not an error, so a scheduler running `kfm ingest` every hour sees success (exit 0).
 */
export interface UpToDate {
  status: 'up_to_date';
  stage: 'ingest';
  dataset_id: string;
  /** Where the next window will start (the cursor) and the end of the last whole grid step. */
  since: string;
  until: string;
  seq: null;
  exit: 0;
}

/**
 * Incremental ingest of a windowed connector: without --since, the window starts at the ledger's
 * cursor (the end of the latest completed window, a projection of the events, never a side file),
 * or at the registry's `temporal.since` when nothing is completed yet; without --until it ends at
 * the last whole grid step before now, so a day still being measured is not captured half-way.
 * Other stages and connectors keep the window exactly as given. When the cursor is already there,
 * the answer is UpToDate; an explicit --since with nothing after it is a usage error.
 */
export async function resolveIngestWindow(
  request: StageRequest,
  connector: ConnectorDefinition,
  entry: DatasetEntry | null,
  read: (type: KnownEventType) => Promise<LedgerEvent[]>,
  now: Date,
): Promise<StageRequest | UpToDate> {
  const windowed = connector.windowed;
  const { since: givenSince, until: givenUntil } = request.window;
  if (request.stage !== 'ingest' || windowed === undefined) return request;
  if (givenSince !== undefined && givenUntil !== undefined) return request;
  const ds = request.dataset_id;
  const grid = parseBatch(windowed.grid);
  if (!grid.ok)
    throw new KfmError('INVALID_INPUT', `connectors/${ds}/connector.ts: windowed.grid ${grid.message}`);
  const since =
    givenSince ??
    ingestCursor(await windowEvents(read)) ??
    (entry?.temporal?.since === undefined ? undefined : instantOf(entry.temporal.since));
  if (since === undefined) {
    throw new KfmError(
      'USAGE',
      `${ds} has no cursor yet (no completed window in the ledger) and data/registry/${ds}.yml has no temporal.since: pass --since <iso>, or run kfm backfill first`,
    );
  }
  const until = givenUntil ?? floorToGrid(now.getTime(), grid.ms);
  if (since >= until && givenSince === undefined) {
    return { status: 'up_to_date', stage: 'ingest', dataset_id: ds, since, until, seq: null, exit: 0 };
  }
  if (since >= until) {
    throw new KfmError(
      'USAGE',
      `nothing to ingest for ${ds}: --since ${since} is not before the window's end ${until}; pass an earlier --since or a later --until`,
      { details: { since, until } },
    );
  }
  return { ...request, window: { since, until } };
}
