import type { Envelope, KnownEventType, PayloadOf } from '../events/index.js';
import type { LedgerDoor } from '../ledger/ledger-door.js';
import type { ReadFilter } from '../ledger/ledger-store.js';

/** An event as projections see it: the hashed envelope plus its hash. */
export type LedgerEvent = Envelope & { hash: string };

export type LedgerEventOf<T extends KnownEventType> = Omit<LedgerEvent, 'type' | 'payload'> & {
  type: T;
  payload: PayloadOf<T>;
};

export function isType<T extends KnownEventType>(
  event: LedgerEvent,
  type: T,
): event is LedgerEvent & LedgerEventOf<T> {
  return event.type === type;
}

const decoder = new TextDecoder();

/** Decodes a stored body. Bodies are verified JSON; projections trust what verify checks. */
export function decodeEvent(row: { body: Uint8Array; hash: string }): LedgerEvent {
  return { ...(JSON.parse(decoder.decode(row.body)) as Envelope), hash: row.hash };
}

/** The events a filter selects, decoded, in seq order (all at once: for a dataset's or a run's events). */
export async function readEvents(
  ledger: Pick<LedgerDoor, 'read'>,
  filter: ReadFilter,
): Promise<LedgerEvent[]> {
  const events: LedgerEvent[] = [];
  for await (const row of ledger.read(filter)) events.push(decodeEvent(row));
  return events;
}
