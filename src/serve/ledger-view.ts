import type { LedgerDoor } from '../ledger/ledger-door.js';
import type { ReadFilter } from '../ledger/ledger-store.js';
import type { ChainHead } from '../ledger/pure/seal-events.js';
import { type LedgerEvent, type LedgerEventOf, readEvents } from '../projections/ledger-event.js';

export type PublishedEvent = LedgerEventOf<'version.published'>;
export type ReusedEvent = LedgerEventOf<'version.reused'>;

/** Decoded events kept per head: enough for any realistic catalog, bounded for any ledger. */
const MAX_MEMO = 512;

/**
 * Reads of the ledger as of one head. A request takes one snapshot and every read it makes stops
 * at that seq, so an answer never mixes two states of a ledger that a connector is appending to
 * (SQLite's WAL and PostgreSQL's MVCC let this reader run beside the writer). Snapshots at the same head share their
 * decoded events: the ledger is append-only, so what a head saw never changes.
 */
export class LedgerSnapshot {
  readonly head: ChainHead;
  readonly #ledger: LedgerDoor;
  readonly #memo = new Map<string, Promise<LedgerEvent[]>>();

  constructor(ledger: LedgerDoor, head: ChainHead) {
    this.#ledger = ledger;
    this.head = head;
  }

  /** version.published events of the dataset, oldest first. */
  async published(datasetId: string): Promise<PublishedEvent[]> {
    return (await this.#read({ dataset_id: datasetId, type: 'version.published' })) as PublishedEvent[];
  }

  async reused(datasetId: string): Promise<ReusedEvent[]> {
    return (await this.#read({ dataset_id: datasetId, type: 'version.reused' })) as ReusedEvent[];
  }

  runEvents(datasetId: string, runId: string): Promise<LedgerEvent[]> {
    return this.#read({ dataset_id: datasetId, run_id: runId });
  }

  datasetEvents(datasetId: string): Promise<LedgerEvent[]> {
    return this.#read({ dataset_id: datasetId });
  }

  /** Every version.published of the ledger (to find a version by id alone). */
  async allPublished(): Promise<PublishedEvent[]> {
    return (await this.#read({ type: 'version.published' })) as PublishedEvent[];
  }

  /** Memoized as a promise: concurrent requests at one head share one read. */
  #read(filter: ReadFilter): Promise<LedgerEvent[]> {
    const key = JSON.stringify(filter);
    const known = this.#memo.get(key);
    if (known !== undefined) return known;
    const events = readEvents(this.#ledger, { ...filter, to_seq: this.head.seq });
    if (this.#memo.size >= MAX_MEMO) this.#memo.clear();
    this.#memo.set(key, events);
    // A failed read is not remembered: the next request reads again.
    events.catch(() => this.#memo.delete(key));
    return events;
  }
}

export class LedgerView {
  readonly #ledger: LedgerDoor;
  #current: LedgerSnapshot | undefined;

  constructor(ledger: LedgerDoor) {
    this.#ledger = ledger;
  }

  /** The ledger itself, for the transparency log's reads (handlers/tlog.ts), which no head bounds. */
  get door(): LedgerDoor {
    return this.#ledger;
  }

  /** The ledger as of its head now (one indexed read; the decoded events of an unchanged head are reused). */
  async snapshot(): Promise<LedgerSnapshot> {
    const head = await this.#ledger.head();
    if (this.#current?.head.seq !== head.seq || this.#current.head.hash !== head.hash)
      this.#current = new LedgerSnapshot(this.#ledger, head);
    return this.#current;
  }

  /**
   * The ledger as it stood once its event `seq` was appended (a point in time, as the CLI's
   * `--as-of <seq>`); undefined when the ledger has no such event. The prefix never changes, so
   * its head is the hash recorded for that event.
   */
  async snapshotAt(seq: number): Promise<LedgerSnapshot | undefined> {
    const current = await this.snapshot();
    if (seq === current.head.seq) return current;
    if (seq > current.head.seq) return undefined;
    const [row] = await readEvents(this.#ledger, { from_seq: seq, to_seq: seq, limit: 1 });
    return row === undefined ? undefined : new LedgerSnapshot(this.#ledger, { seq, hash: row.hash });
  }
}
