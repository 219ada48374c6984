import type { SealedEvent } from '../events/index.js';
import type { ChainHead } from './pure/seal-events.js';
import type { StoredRow } from './pure/verify-chain.js';

export interface ReadFilter {
  dataset_id?: string;
  run_id?: string;
  type?: string;
  /** Inclusive seq bounds. */
  from_seq?: number;
  to_seq?: number;
  limit?: number;
}

export interface AppendResult {
  first_seq: number;
  last_seq: number;
  head: ChainHead;
  events: SealedEvent[];
}

/**
 * The ledger's storage, behind one small interface (in-memory and SQLite implementations share one
 * contract test suite). Appends are all-or-nothing and extend the chain linearly; reads stream.
 */
export interface LedgerStore {
  head(): ChainHead;
  appendEvents(drafts: readonly unknown[]): AppendResult;
  readEvents(filter?: ReadFilter): IterableIterator<StoredRow>;
  close(): void;
}

/** The columns of an `events` row in storage order: every backend's INSERT and SELECT use this list. */
export const EVENT_COLUMNS = [
  'seq',
  'event_id',
  'type',
  'dataset_id',
  'run_id',
  'recorded_at',
  'body',
  'prev_hash',
  'hash',
] as const;

/** A stored row's values in EVENT_COLUMNS order; the body as a Buffer, which both drivers bind as bytes. */
export function eventRowValues(row: StoredRow): unknown[] {
  const body = Buffer.from(row.body.buffer, row.body.byteOffset, row.body.byteLength);
  return [
    row.seq,
    row.event_id,
    row.type,
    row.dataset_id,
    row.run_id,
    row.recorded_at,
    body,
    row.prev_hash,
    row.hash,
  ];
}

export function rowFromSealed(event: SealedEvent): StoredRow {
  const e = event.envelope;
  return {
    seq: e.seq,
    event_id: e.event_id,
    type: e.type,
    dataset_id: e.dataset_id,
    run_id: e.run_id,
    recorded_at: e.recorded_at,
    body: event.body,
    prev_hash: e.prev_hash,
    hash: event.hash,
  };
}

export function matchesFilter(row: StoredRow, filter: ReadFilter): boolean {
  return (
    (filter.dataset_id === undefined || row.dataset_id === filter.dataset_id) &&
    (filter.run_id === undefined || row.run_id === filter.run_id) &&
    (filter.type === undefined || row.type === filter.type) &&
    (filter.from_seq === undefined || row.seq >= filter.from_seq) &&
    (filter.to_seq === undefined || row.seq <= filter.to_seq)
  );
}
