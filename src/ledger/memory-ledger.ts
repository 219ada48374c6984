import { KfmError } from '../errors.js';
import { GENESIS_HASH } from '../events/index.js';
import type { AppendResult, LedgerStore, ReadFilter } from './ledger-store.js';
import { matchesFilter, rowFromSealed } from './ledger-store.js';
import { type ChainHead, sealEvents } from './pure/seal-events.js';
import type { StoredRow } from './pure/verify-chain.js';
import { type SealDefaults, sealContextFactory } from './seal-context.js';

/** A ledger in memory: for tests and for projecting events without a disk. */
export class MemoryLedger implements LedgerStore {
  readonly #rows: StoredRow[] = [];
  readonly #context: ReturnType<typeof sealContextFactory>;

  constructor(defaults: SealDefaults) {
    this.#context = sealContextFactory(defaults);
  }

  head(): ChainHead {
    const last = this.#rows.at(-1);
    return last === undefined ? { seq: 0, hash: GENESIS_HASH } : { seq: last.seq, hash: last.hash };
  }

  appendEvents(drafts: readonly unknown[]): AppendResult {
    const events = sealEvents(drafts, this.#context(this.head()));
    this.#rows.push(...events.map(rowFromSealed));
    const head = this.head();
    return { first_seq: head.seq - events.length + 1, last_seq: head.seq, head, events };
  }

  *readEvents(filter: ReadFilter = {}): IterableIterator<StoredRow> {
    let yielded = 0;
    for (const row of this.#rows) {
      if (filter.limit !== undefined && yielded >= filter.limit) return;
      if (!matchesFilter(row, filter)) continue;
      yielded++;
      yield row;
    }
  }

  /** Rows sealed elsewhere, all or none, refused unless each extends the chain (as SQLite's trigger does). */
  insertRows(rows: readonly StoredRow[]): void {
    let head = this.head();
    for (const row of rows) {
      if (row.seq !== head.seq + 1 || row.prev_hash !== head.hash) {
        throw new KfmError(
          'INVALID_INPUT',
          `row seq ${row.seq} does not extend the chain at ${head.seq}:${head.hash}; nothing was stored`,
        );
      }
      head = row;
    }
    this.#rows.push(...rows);
  }

  close(): void {}
}
