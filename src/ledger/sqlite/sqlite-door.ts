import { KfmError } from '../../errors.js';
import type { TileId } from '../../tlog/tiles.js';
import type { DatasetLock, DatasetLockRequest } from '../dataset-lock.js';
import {
  decodedRows,
  type LedgerDoor,
  ledgerNotEmpty,
  type OpenDoorOptions,
  pagedRows,
  type SchemaStatus,
  type StorageFailure,
  type StoredCheckpoint,
  type VerifyRange,
} from '../ledger-door.js';
import { type AppendResult, eventRowValues, type ReadFilter } from '../ledger-store.js';
import type { ChainHead } from '../pure/seal-events.js';
import { treeAtHead } from '../pure/tree-sync.js';
import type { ChainReport, StoredRow } from '../pure/verify-chain.js';
import type { ProjectionRows, RowQueries } from '../read-models.js';
import { treeNotCurrent } from '../tree-errors.js';
import { acquireFileLock } from './dataset-lock-file.js';
import { appliedMigrations } from './migrate.js';
import { SqliteRowQueries } from './row-queries.js';
import { INSERT_EVENT, openSqliteLedger, type SqliteLedger } from './sqlite-ledger.js';
import { checkStorage } from './storage-check.js';
import type { TreeTables } from './tree-tables.js';

/** The SQLite ledger behind the async door: the synchronous SqliteLedger, each call answered at once. */
export async function openSqliteDoor(path: string, options: OpenDoorOptions): Promise<SqliteDoor> {
  return new SqliteDoor(await openSqliteLedger(path, { ...options, deferSeal: true }));
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
    await this.ledger.loadSeal();
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

  async projections(): Promise<RowQueries> {
    this.ledger.requireCurrentTables();
    return new SqliteRowQueries(this.ledger.db);
  }

  async verifyChain(range: VerifyRange = {}): Promise<ChainReport> {
    // Loaded here, not at the top: the chain check brings the event vocabulary (zod), which a
    // command that opens the ledger only to read or prove should not pay for at start-up.
    const { verifyLedgerChain, verifySegment } = await import('./parallel-verify.js');
    const anchors = range.anchors ?? [];
    const maxFailures = range.maxFailures ?? 1000;
    if (range.from_seq === undefined && range.to_seq === undefined) {
      // Worker threads open the file by path; a snapshot in memory has none to share.
      const threads = this.ledger.access.snapshot ? 1 : (range.threads ?? 'auto');
      return verifyLedgerChain(this.ledger.db, this.target, { threads, anchors, maxFailures });
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

  async checkStorage(deep: boolean): Promise<StorageFailure[]> {
    return checkStorage(this.ledger.db, this.target, deep);
  }

  async schemaStatus(): Promise<SchemaStatus> {
    const { access, projections } = this.ledger;
    return {
      applied: appliedMigrations(this.ledger.db),
      pending: [...access.pendingMigrations],
      tables_current: access.pendingMigrations.length === 0 && projections?.current() === true,
      migrated: [...access.migrated],
    };
  }

  async projectionRows(datasetId?: string): Promise<ProjectionRows> {
    return this.ledger.requireSchema().rows(datasetId);
  }

  async projectionDatasetIds(): Promise<string[]> {
    return this.ledger.requireSchema().datasetIds();
  }

  async rebuildProjections(): Promise<void> {
    this.ledger.requireSchema().rebuild();
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
        insert.run(eventRowValues(r));
      }
      // The read models and the tree are filled from the copied events in the same transaction.
      this.ledger.projections?.sync();
      this.ledger.tree?.sync();
      db.exec('COMMIT');
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw error;
    }
    return this.ledger.head();
  }

  lockDataset(request: DatasetLockRequest): Promise<DatasetLock> {
    // A stale lock file is replaced inside the ledger's write lock: two takers never both win it.
    return acquireFileLock(this.target, request, (fn) => this.ledger.exclusive(fn));
  }

  async ledgerId(): Promise<string> {
    return this.#tree().state().ledger_id;
  }

  async treeSize(): Promise<number> {
    const { state, head } = this.#tree().stateAndHead();
    if (!treeAtHead(state, head)) throw treeNotCurrent(this.target, state, head);
    return state.tree_size;
  }

  async readTiles(tiles: readonly TileId[]): Promise<Uint8Array[]> {
    return this.#tree().readTiles(tiles, this.target);
  }

  async storeCheckpoint(checkpoint: StoredCheckpoint): Promise<void> {
    this.#tree().storeCheckpoint(checkpoint);
  }

  async lastCheckpoint(): Promise<StoredCheckpoint | undefined> {
    return this.#tree().lastCheckpoint();
  }

  async close(): Promise<void> {
    this.ledger.close();
  }

  #tree(): TreeTables {
    if (this.ledger.tree === null) throw treeNotCurrent(this.target, null, this.ledger.head());
    return this.ledger.tree;
  }
}
