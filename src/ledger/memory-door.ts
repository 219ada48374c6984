import { randomBytes } from 'node:crypto';
import { GENESIS_HASH } from '../events/index.js';
import { nodeTreeHasher } from '../tlog/node-tree-hasher.js';
import type { TileId } from '../tlog/tiles.js';
import type { DatasetLock, DatasetLockRequest } from './dataset-lock.js';
import {
  decodedRows,
  decodeRow,
  type LedgerDoor,
  ledgerNotEmpty,
  pagedRows,
  type SchemaStatus,
  type StorageFailure,
  type StoredCheckpoint,
  type VerifyRange,
} from './ledger-door.js';
import type { AppendResult, ReadFilter } from './ledger-store.js';
import { MemoryLedger } from './memory-ledger.js';
import { MemoryLocks } from './memory-lock.js';
import { memoryRowQueries } from './memory-row-queries.js';
import { nodeEventHasher } from './node-hasher.js';
import type { ChainHead } from './pure/seal-events.js';
import { type BuiltTree, EMPTY_TREE, growTree } from './pure/tree-sync.js';
import { type ChainReport, ChainVerifier, type StoredRow } from './pure/verify-chain.js';
import { MemoryRows, type ProjectionRows, type ReadModels, type RowQueries } from './read-models.js';
import type { SealDefaults } from './seal-context.js';
import { tilePrefix } from './tree-errors.js';

export interface MemoryDoorOptions extends SealDefaults {
  readModels: ReadModels;
}

/**
 * A ledger in memory behind the async door: for tests and for projecting events without a disk.
 * Its read models are tables in memory, kept by each append as the databases keep theirs, so a
 * replay compares them with something stored, not with its own reducers' output.
 */
export class MemoryDoor implements LedgerDoor {
  readonly backend = 'memory';
  readonly target = 'memory';
  readonly #ledger: MemoryLedger;
  readonly #models: ReadModels;
  readonly #rows = new MemoryRows();
  readonly #locks = new MemoryLocks();
  readonly #id = randomBytes(16).toString('hex');
  /** The tree's tiles by `level/index`, each the widest written, as the SQL tables keep them. */
  readonly #tiles = new Map<string, Uint8Array>();
  readonly #checkpoints: StoredCheckpoint[] = [];
  #tree: BuiltTree = EMPTY_TREE;

  constructor(options: MemoryDoorOptions) {
    const { readModels, ...defaults } = options;
    this.#ledger = new MemoryLedger(defaults);
    this.#models = readModels;
  }

  /** What an append transaction does after its inserts: the tree and the read models take the rows. */
  #added(rows: readonly StoredRow[]): void {
    const grown = growTree(this.#tree, rows, nodeTreeHasher);
    for (const tile of grown.tiles) this.#tiles.set(`${tile.level}/${tile.index}`, tile.hashes);
    this.#tree = grown.tree;
    this.#project(rows);
  }

  #project(rows: readonly StoredRow[]): void {
    const projected = rows.filter((row) => this.#models.types.has(row.type)).map(decodeRow);
    if (projected.length > 0) this.#models.project(this.#rows, projected);
  }

  async head(): Promise<ChainHead> {
    return this.#ledger.head();
  }

  async append(drafts: readonly unknown[]): Promise<AppendResult> {
    const result = this.#ledger.appendEvents(drafts);
    this.#added([...this.#ledger.readEvents({ from_seq: result.first_seq })]);
    return result;
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

  async projections(): Promise<RowQueries> {
    return memoryRowQueries(this.#rows, () => this.#ledger.readEvents());
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

  async projectionRows(datasetId?: string): Promise<ProjectionRows> {
    return this.#rows.rows(datasetId);
  }

  async projectionDatasetIds(): Promise<string[]> {
    const ids = new Set<string>();
    for (const rows of Object.values(this.#rows.rows()))
      for (const columns of rows.values()) ids.add(String(columns.dataset_id));
    return [...ids].sort();
  }

  async rebuildProjections(): Promise<void> {
    this.#rows.clear();
    this.#project([...this.#ledger.readEvents()]);
  }

  async copyIn(rows: AsyncIterable<StoredRow>): Promise<ChainHead> {
    const head = this.#ledger.head();
    if (head.seq !== 0) throw ledgerNotEmpty(this.target, head);
    const all: StoredRow[] = [];
    for await (const row of rows) all.push(row);
    this.#ledger.insertRows(all);
    this.#added(all);
    return this.#ledger.head();
  }

  lockDataset(request: DatasetLockRequest): Promise<DatasetLock> {
    return this.#locks.acquire(request);
  }

  async ledgerId(): Promise<string> {
    return this.#id;
  }

  async treeSize(): Promise<number> {
    return this.#tree.head.seq;
  }

  async readTiles(tiles: readonly TileId[]): Promise<Uint8Array[]> {
    return tiles.map((tile) => tilePrefix(this.target, tile, this.#tiles.get(`${tile.level}/${tile.index}`)));
  }

  async storeCheckpoint(checkpoint: StoredCheckpoint): Promise<void> {
    this.#checkpoints.push(checkpoint);
  }

  async lastCheckpoint(): Promise<StoredCheckpoint | undefined> {
    return this.#checkpoints.at(-1);
  }

  async close(): Promise<void> {}
}
