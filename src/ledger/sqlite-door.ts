import { KfmError } from '../errors.js';
import {
  decodedRows,
  type LedgerDoor,
  ledgerNotEmpty,
  type OpenDoorOptions,
  type ProjectionReads,
  pagedRows,
  type VerifyRange,
} from './ledger-door.js';
import type { AppendResult, ReadFilter } from './ledger-store.js';
import { verifyLedgerChain, verifySegment } from './parallel-verify.js';
import { ProjectionQueries } from './projection-queries.js';
import type { ChainHead } from './pure/seal-events.js';
import type { ChainReport, StoredRow } from './pure/verify-chain.js';
import { INSERT_EVENT, openSqliteLedger, type SqliteLedger } from './sqlite-ledger.js';

/** The SQLite ledger behind the async door: the same SqliteLedger today's callers use, unchanged. */
export async function openSqliteDoor(path: string, options: OpenDoorOptions): Promise<SqliteDoor> {
  return new SqliteDoor(await openSqliteLedger(path, options));
}

export class SqliteDoor implements LedgerDoor {
  readonly backend = 'sqlite';
  readonly target: string;
  readonly ledger: SqliteLedger;

  constructor(ledger: SqliteLedger) {
    this.ledger = ledger;
    this.target = ledger.access.path;
  }

  async head(): Promise<ChainHead> {
    return this.ledger.head();
  }

  async append(drafts: readonly unknown[]): Promise<AppendResult> {
    return this.ledger.appendEvents(drafts);
  }

  // Pages, not one open statement: better-sqlite3 refuses other queries on a connection while an
  // iterator is open, and an async reader may run other queries between rows.
  read(filter: ReadFilter = {}): AsyncIterable<StoredRow> {
    return pagedRows(filter, (page) => [...this.ledger.readEvents(page)]);
  }

  readDecoded(filter: ReadFilter = {}) {
    return decodedRows(this.read(filter));
  }

  async datasetIds(): Promise<string[]> {
    return this.ledger.datasetIds();
  }

  projections(): ProjectionReads {
    this.ledger.requireCurrentTables();
    const queries = new ProjectionQueries(this.ledger.db);
    return new Proxy({} as ProjectionReads, {
      get: (_target, name: keyof ProjectionQueries) => {
        const query = queries[name] as (...args: unknown[]) => unknown;
        return async (...args: unknown[]) => query.apply(queries, args);
      },
    });
  }

  async verifyChain(range: VerifyRange = {}): Promise<ChainReport> {
    const anchors = range.anchors ?? [];
    const maxFailures = range.maxFailures ?? 1000;
    if (range.from_seq === undefined && range.to_seq === undefined) {
      return verifyLedgerChain(this.ledger.db, this.target, { threads: 'auto', anchors, maxFailures });
    }
    const head = this.ledger.head();
    const to = range.to_seq ?? head.seq;
    return verifySegment(this.ledger.db, {
      range: range.from_seq === undefined ? { to } : { from: range.from_seq, to },
      reachesEnd: to >= head.seq,
      anchors,
      maxFailures,
    });
  }

  async copyIn(rows: AsyncIterable<StoredRow>): Promise<ChainHead> {
    const { db } = this.ledger;
    if (db.readonly) {
      throw new KfmError('USAGE', `the ledger ${this.target} was opened read-only: a copy needs a writer`);
    }
    db.exec('BEGIN IMMEDIATE');
    try {
      const before = this.ledger.head();
      if (before.seq !== 0) throw ledgerNotEmpty(this.target, before);
      const insert = db.prepare(INSERT_EVENT);
      for await (const r of rows) {
        const body = Buffer.from(r.body.buffer, r.body.byteOffset, r.body.byteLength);
        insert.run(
          r.seq,
          r.event_id,
          r.type,
          r.dataset_id,
          r.run_id,
          r.recorded_at,
          body,
          r.prev_hash,
          r.hash,
        );
      }
      // The read models are filled from the copied events in the same transaction (a savepoint).
      this.ledger.projections?.sync();
      db.exec('COMMIT');
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw error;
    }
    return this.ledger.head();
  }

  async close(): Promise<void> {
    this.ledger.close();
  }
}
