import { KfmError } from '../errors.js';
import type { TileId } from '../tlog/tiles.js';
import type { DatasetLock, DatasetLockRequest } from './dataset-lock.js';
import type { AppendResult, ReadFilter } from './ledger-store.js';
import type { ChainHead } from './pure/seal-events.js';
import type { ChainReport, StoredRow } from './pure/verify-chain.js';
import type { ProjectionRows, ReadModels, RowEvent, RowQueries } from './read-models.js';
import type { SealDefaults } from './seal-context.js';

/** A seq range of the chain to verify (inclusive; open ends run to genesis and to the head). */
export interface VerifyRange {
  from_seq?: number;
  to_seq?: number;
  /** Heads recorded earlier: a stored row at an anchor's seq must still have its hash. */
  anchors?: readonly ChainHead[];
  maxFailures?: number;
  /** Parts of a whole-chain check (SQLite: worker threads; PostgreSQL: connections); the report is the same. */
  threads?: number | 'auto';
}

/** A finding of the database's own check of its storage, in its words; it names no event. */
export interface StorageFailure {
  code: 'STORAGE_CORRUPT';
  message: string;
}

/** Where a ledger's schema stands (migration names are the schema versions). */
export interface SchemaStatus {
  /** Migrations this kfm knows that the ledger has, in order. */
  applied: string[];
  /** Migrations this kfm knows that the ledger lacks (a reader never applies them). */
  pending: string[];
  /** Whether the projection tables exist and reflect every event. */
  tables_current: boolean;
  /** Migrations this open applied (a writer's open migrates). */
  migrated: string[];
}

/** A checkpoint `kfm checkpoint` signed and stored (tlog_checkpoints): the note verbatim and what it says. */
export interface StoredCheckpoint {
  origin: string;
  tree_size: number;
  /** Standard base64, as in the note. */
  root_hash: string;
  note: string;
  signed_at: string;
}

/**
 * The one asynchronous way into a ledger, whatever stores it (memory, an SQLite file, a PostgreSQL
 * database): what the stage runtime, verify, the query commands and serve use of a ledger, so that a
 * server database can stand behind them. Reads stream in seq order a page at a time (constant
 * memory); appends are all or nothing and extend the chain linearly even with many writers.
 */
export interface LedgerDoor {
  readonly backend: 'memory' | 'sqlite' | 'postgres';
  /** Where the ledger is, for messages: a file path or a URL without its password. */
  readonly target: string;
  head(): Promise<ChainHead>;
  /** Seals the drafts onto the head and stores them in one transaction: every one or none. */
  append(drafts: readonly unknown[]): Promise<AppendResult>;
  read(filter?: ReadFilter): AsyncIterable<StoredRow>;
  /** As read, each row's body decoded to the event it hashes (bodies are trusted: verify checks them). */
  readDecoded(filter?: ReadFilter): AsyncIterable<RowEvent>;
  /** Every dataset with an event, by name. */
  datasetIds(): Promise<string[]>;
  /**
   * The read-model queries, rows as stored (src/projections/read-model-queries.ts decodes them);
   * MIGRATION_REQUIRED when the tables are missing or behind the events.
   */
  projections(): Promise<RowQueries>;
  verifyChain(range?: VerifyRange): Promise<ChainReport>;
  /** The database's own check of its storage (SQLite: quick_check, `deep`: integrity_check). */
  checkStorage(deep: boolean): Promise<StorageFailure[]>;
  schemaStatus(): Promise<SchemaStatus>;
  /**
   * The projection rows as stored, of one dataset or all (what replay and verify --deep compare with
   * their replay); MIGRATION_REQUIRED on a schema before the tables.
   */
  projectionRows(datasetId?: string): Promise<ProjectionRows>;
  /** Every dataset with a row in any projection table (rows without events are drift too). */
  projectionDatasetIds(): Promise<string[]>;
  /** Empties the projection tables and re-applies every event (`kfm replay`), in one transaction. */
  rebuildProjections(): Promise<void>;
  /**
   * Stores rows sealed elsewhere (a copy of another ledger) in one transaction, into a ledger that
   * has no events (else LEDGER_NOT_EMPTY): the rows are taken as they are, so the caller verifies
   * them; the database's chain rules still refuse any that do not extend the chain.
   */
  copyIn(rows: AsyncIterable<StoredRow>): Promise<ChainHead>;
  /**
   * Takes a dataset's stage lock, waiting up to `waitSeconds` (else DATASET_BUSY): held by one process
   * of any host at a time, and freed when its holder dies (then the next taker learns it was stale).
   */
  lockDataset(request: DatasetLockRequest): Promise<DatasetLock>;
  /** The ledger's stable id, made once when its schema was created (the log origin `kfm.local/<id>`). */
  ledgerId(): Promise<string>;
  /**
   * The size of the transparency log's tree (docs/transparency-log.md), which is the head seq: every
   * append adds its events' leaves in its own transaction. MIGRATION_REQUIRED when the tree does not
   * cover exactly the events (a schema before it, or events added around kfm): a writer rebuilds it.
   */
  treeSize(): Promise<number>;
  /** The tiles' hashes, each exactly `width` × 32 bytes (a prefix of the stored tile); STORAGE_CORRUPT if absent. */
  readTiles(tiles: readonly TileId[]): Promise<Uint8Array[]>;
  /** Keeps a signed checkpoint; the last one kept is what the next `kfm checkpoint` must extend. */
  storeCheckpoint(checkpoint: StoredCheckpoint): Promise<void>;
  lastCheckpoint(): Promise<StoredCheckpoint | undefined>;
  close(): Promise<void>;
}

export interface OpenDoorOptions extends SealDefaults {
  /** The read models the ledger keeps in each append transaction (the project's: src/compose/). */
  readModels: ReadModels;
  /** Create the ledger if it does not exist (an SQLite file; a PostgreSQL database must exist). */
  create?: boolean;
  /** Only to read: nothing is created or migrated, appends are refused. */
  readOnly?: boolean;
  busyTimeoutMs?: number;
}

export type LedgerTarget = { backend: 'sqlite'; path: string } | { backend: 'postgres'; url: string };

const POSTGRES_URL = /^postgres(ql)?:\/\//;

/** `postgres://…`/`postgresql://…` is PostgreSQL; `sqlite:<path>` or any other string a file path. */
export function parseLedgerTarget(target: string): LedgerTarget {
  if (POSTGRES_URL.test(target)) return { backend: 'postgres', url: target };
  const path = target.startsWith('sqlite:') ? target.slice('sqlite:'.length) : target;
  if (path === '') {
    throw new KfmError(
      'USAGE',
      `the ledger target ${JSON.stringify(target)} names no file: give sqlite:<path>`,
    );
  }
  return { backend: 'sqlite', path };
}

/** Whether a target names a ledger by URL rather than as a plain path (a URL is not path-resolved). */
export function isLedgerUrl(target: string): boolean {
  return POSTGRES_URL.test(target) || target.startsWith('sqlite:');
}

/** Opens a ledger by path or URL; each backend is loaded only when a target names it. */
export async function openLedger(target: string, options: OpenDoorOptions): Promise<LedgerDoor> {
  const parsed = parseLedgerTarget(target);
  if (parsed.backend === 'postgres') {
    const { openPostgresLedger } = await import('./postgres/postgres-ledger.js');
    return openPostgresLedger(parsed.url, options);
  }
  const { openSqliteDoor } = await import('./sqlite/sqlite-door.js');
  return openSqliteDoor(parsed.path, options);
}

/** Rows a page at a time, by seq: `page` answers a filter with a limit; memory stays one page. */
export async function* pagedRows(
  filter: ReadFilter,
  page: (filter: ReadFilter) => Promise<StoredRow[]> | StoredRow[],
  pageSize = 1000,
): AsyncGenerator<StoredRow> {
  let remaining = filter.limit ?? Number.POSITIVE_INFINITY;
  let from = filter.from_seq;
  while (remaining > 0) {
    const rows = await page({
      ...filter,
      from_seq: from,
      limit: Math.min(pageSize, remaining),
    } as ReadFilter);
    yield* rows;
    remaining -= rows.length;
    const last = rows.at(-1);
    if (last === undefined || rows.length < pageSize) return;
    from = last.seq + 1;
  }
}

const decoder = new TextDecoder();

/** A stored row's body as the event it hashes (bodies are trusted: verify checks them). */
export function decodeRow(row: StoredRow): RowEvent {
  return { ...(JSON.parse(decoder.decode(row.body)) as RowEvent), hash: row.hash };
}

/** readDecoded's stream, for every backend. */
export async function* decodedRows(rows: AsyncIterable<StoredRow>): AsyncGenerator<RowEvent> {
  for await (const row of rows) yield decodeRow(row);
}

export function ledgerNotEmpty(target: string, head: ChainHead): KfmError {
  return new KfmError(
    'LEDGER_NOT_EMPTY',
    `the ledger ${target} already has ${head.seq} events (head ${head.seq}:${head.hash}); a copy goes into an empty ledger: pick a new file or database`,
    { details: { ledger: target, head } },
  );
}
