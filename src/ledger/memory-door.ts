import { KfmError } from '../errors.js';
import { GENESIS_HASH } from '../events/index.js';
import type { DatasetLock, DatasetLockRequest } from './dataset-lock.js';
import {
  decodedRows,
  type LedgerDoor,
  ledgerNotEmpty,
  type ProjectionReads,
  pagedRows,
  type SchemaStatus,
  type StorageFailure,
  type VerifyRange,
} from './ledger-door.js';
import type { AppendResult, ReadFilter } from './ledger-store.js';
import { MemoryLedger } from './memory-ledger.js';
import { MemoryLocks } from './memory-lock.js';
import { nodeEventHasher } from './node-hasher.js';
import { type ProjectionRows, projectRows } from './pure/projection-columns.js';
import type { ChainHead } from './pure/seal-events.js';
import { type ChainReport, ChainVerifier, type StoredRow } from './pure/verify-chain.js';
import type { SealDefaults } from './seal-context.js';

/** A ledger in memory behind the async door: for tests and for projecting events without a disk. */
export class MemoryDoor implements LedgerDoor {
  readonly backend = 'memory';
  readonly target = 'memory';
  readonly #ledger: MemoryLedger;
  readonly #locks = new MemoryLocks();

  constructor(defaults: SealDefaults) {
    this.#ledger = new MemoryLedger(defaults);
  }

  async head(): Promise<ChainHead> {
    return this.#ledger.head();
  }

  async append(drafts: readonly unknown[]): Promise<AppendResult> {
    return this.#ledger.appendEvents(drafts);
  }

  read(filter: ReadFilter = {}): AsyncIterable<StoredRow> {
    return pagedRows(filter, (page) => [...this.#ledger.readEvents(page)]);
  }

  readDecoded(filter: ReadFilter = {}) {
    return decodedRows(this.read(filter));
  }

  async datasetIds(): Promise<string[]> {
    const ids = new Set<string>();
    for (const row of this.#ledger.readEvents()) ids.add(row.dataset_id);
    return [...ids].sort();
  }

  async projections(): Promise<ProjectionReads> {
    throw new KfmError(
      'BACKEND_UNSUPPORTED',
      'a ledger in memory keeps no projection tables: project its events with projectRows instead',
    );
  }

  async verifyChain(range: VerifyRange = {}): Promise<ChainReport> {
    const head = this.#ledger.head();
    const to = range.to_seq ?? head.seq;
    const before =
      range.from_seq === undefined ? [] : [...this.#ledger.readEvents({ to_seq: range.from_seq - 1 })];
    const last = before.at(-1);
    const verifier = new ChainVerifier({
      hasher: nodeEventHasher,
      anchors: range.anchors ?? [],
      ...(range.maxFailures === undefined ? {} : { maxFailures: range.maxFailures }),
      segment: {
        after: last === undefined ? { seq: 0, hash: GENESIS_HASH } : last,
        reachesEnd: to >= head.seq,
      },
    });
    const from = range.from_seq === undefined ? {} : { from_seq: range.from_seq };
    for (const row of this.#ledger.readEvents({ ...from, to_seq: to })) verifier.push(row);
    return verifier.finish();
  }

  async checkStorage(): Promise<StorageFailure[]> {
    return [];
  }

  async schemaStatus(): Promise<SchemaStatus> {
    return { applied: [], pending: [], tables_current: true, migrated: [] };
  }

  /** No tables are stored: the rows are the reducers' over the events, so always current. */
  async projectionRows(datasetId?: string): Promise<ProjectionRows> {
    const filter = datasetId === undefined ? {} : { dataset_id: datasetId };
    const events = [];
    for await (const event of this.readDecoded(filter)) events.push(event);
    return projectRows(events);
  }

  projectionDatasetIds(): Promise<string[]> {
    return this.datasetIds();
  }

  async rebuildProjections(): Promise<void> {}

  async copyIn(rows: AsyncIterable<StoredRow>): Promise<ChainHead> {
    const head = this.#ledger.head();
    if (head.seq !== 0) throw ledgerNotEmpty(this.target, head);
    const all: StoredRow[] = [];
    for await (const row of rows) all.push(row);
    this.#ledger.insertRows(all);
    return this.#ledger.head();
  }

  lockDataset(request: DatasetLockRequest): Promise<DatasetLock> {
    return this.#locks.acquire(request);
  }

  async close(): Promise<void> {}
}
