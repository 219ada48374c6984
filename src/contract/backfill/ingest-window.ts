import { KfmError } from '../../errors.js';
import type { KnownEventType } from '../../events/index.js';
import { floorToGrid, ingestCursor, parseBatch } from '../../projections/backfill-windows.js';
import type { LedgerEvent } from '../../projections/ledger-event.js';
import type { DatasetEntry } from '../../registry/dataset-entry.js';
import type { ConnectorDefinition } from '../define-connector.js';
import type { StageRequest } from '../stage-request.js';

/** The events that say which windows are complete (see completedWindows), merged in seq order. */
export function windowEvents(read: (type: KnownEventType) => LedgerEvent[]): LedgerEvent[] {
  const types: KnownEventType[] = ['run.started', 'run.completed', 'backfill.window.completed'];
  return types.flatMap((type) => read(type)).sort((a, b) => a.seq - b.seq);
}

/** A registry `temporal.since` (a date or a date-time with offset) as a UTC instant. */
function instantOf(value: string): string {
  return new Date(value.length === 10 ? `${value}T00:00:00Z` : value).toISOString();
}

/**
 * Incremental ingest of a windowed connector: without --since, the window starts at the ledger's
 * cursor (the end of the latest completed window, a projection of the events, never a side file),
 * or at the registry's `temporal.since` when nothing is completed yet; without --until it ends at
 * the last whole grid step before now, so a day still being measured is not captured half-way.
 * Other stages and connectors keep the window exactly as given.
 */
export function resolveIngestWindow(
  request: StageRequest,
  connector: ConnectorDefinition,
  entry: DatasetEntry | null,
  read: (type: KnownEventType) => LedgerEvent[],
  now: Date,
): StageRequest {
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
    ingestCursor(windowEvents(read)) ??
    (entry?.temporal?.since === undefined ? undefined : instantOf(entry.temporal.since));
  if (since === undefined) {
    throw new KfmError(
      'USAGE',
      `${ds} has no cursor yet (no completed window in the ledger) and data/registry/${ds}.yml has no temporal.since: pass --since <iso>, or run kfm backfill first`,
    );
  }
  const until = givenUntil ?? floorToGrid(now.getTime(), grid.ms);
  if (since >= until) {
    throw new KfmError(
      'USAGE',
      `nothing to ingest for ${ds}: the window starts at ${since}${givenSince === undefined ? ' (the cursor)' : ''} and the last whole ${windowed.grid} step ends at ${until}; pass --since/--until to take a window again`,
      { details: { since, until } },
    );
  }
  return { ...request, window: { since, until } };
}
