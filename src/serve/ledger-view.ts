import type { LedgerDoor } from '../ledger/ledger-door.js';
import type { ReadFilter } from '../ledger/ledger-store.js';
import type { ChainHead } from '../ledger/pure/seal-events.js';
import { SqliteDoor } from '../ledger/sqlite-door.js';
import type { SqliteLedger } from '../ledger/sqlite-ledger.js';
import { decodeEvent, type LedgerEvent, type LedgerEventOf } from '../projections/ledger-event.js';

export type PublishedEvent = LedgerEventOf<'version.published'>;
export type ReusedEvent = LedgerEventOf<'version.reused'>;

/** Decoded events kept per head: enough for any realistic catalog, bounded for any ledger. */
const MAX_MEMO = 512;

/**
 * Reads of the ledger as of one head. A request takes one snapshot and every read it makes stops
 * at that seq, so an answer never mixes two states of a ledger that a connector is appending to
 * (SQLite WAL lets this reader run beside the writer). Snapshots at the same head share their
 * decoded events: the ledger is append-only, so what a head saw never changes.
 */
export class LedgerSnapshot {
  readonly head: ChainHead;
  readonly #ledger: SqliteLedger;
  readonly #memo = new Map<string, LedgerEvent[]>();

  constructor(ledger: SqliteLedger, head: ChainHead) {
    this.#ledger = ledger;
    this.head = head;
  }

  /** version.published events of the dataset, oldest first. */
  published(datasetId: string): PublishedEvent[] {
    return this.#read({ dataset_id: datasetId, type: 'version.published' }) as PublishedEvent[];
  }

  reused(datasetId: string): ReusedEvent[] {
    return this.#read({ dataset_id: datasetId, type: 'version.reused' }) as ReusedEvent[];
  }

  runEvents(datasetId: string, runId: string): LedgerEvent[] {
    return this.#read({ dataset_id: datasetId, run_id: runId });
  }

  datasetEvents(datasetId: string): LedgerEvent[] {
    return this.#read({ dataset_id: datasetId });
  }

  /** Every version.published of the ledger (to find a version by id alone). */
  allPublished(): PublishedEvent[] {
    return this.#read({ type: 'version.published' }) as PublishedEvent[];
  }

  #read(filter: ReadFilter): LedgerEvent[] {
    const key = JSON.stringify(filter);
    const known = this.#memo.get(key);
    if (known !== undefined) return known;
    const events = [...this.#ledger.readEvents({ ...filter, to_seq: this.head.seq })].map(decodeEvent);
    if (this.#memo.size >= MAX_MEMO) this.#memo.clear();
    this.#memo.set(key, events);
    return events;
  }
}

export class LedgerView {
  readonly #ledger: SqliteLedger;
  #current: LedgerSnapshot | undefined;
  /** The same ledger behind the async door, for the transparency log's reads (handlers/tlog.ts). */
  readonly door: LedgerDoor;

  constructor(ledger: SqliteLedger) {
    this.#ledger = ledger;
    this.door = new SqliteDoor(ledger);
  }

  /** The ledger as of its head now (one indexed read; the decoded events of an unchanged head are reused). */
  snapshot(): LedgerSnapshot {
    const head = this.#ledger.head();
    if (this.#current?.head.seq !== head.seq || this.#current.head.hash !== head.hash)
      this.#current = new LedgerSnapshot(this.#ledger, head);
    return this.#current;
  }

  head(): ChainHead {
    return this.#ledger.head();
  }
}
