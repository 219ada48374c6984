import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import { KfmError } from '../../errors.js';
import { GENESIS_HASH } from '../../events/constants.js';
import type { SealedEvent } from '../../events/index.js';
import {
  type AppendResult,
  EVENT_COLUMNS,
  eventRowValues,
  type LedgerStore,
  type ReadFilter,
  rowFromSealed,
} from '../ledger-store.js';
import type { ChainHead } from '../pure/seal-events.js';
import type { StoredRow } from '../pure/verify-chain.js';
import type { ReadModels } from '../read-models.js';
import type { SealDefaults } from '../seal-context.js';
import { type MigrateOptions, migrateLedger, pendingMigrations } from './migrate.js';
import { openDatabase } from './open-database.js';
import { ProjectionTables } from './projection-tables.js';
import { openReadOnlyDatabase, unreadable } from './read-only-open.js';
import { storageDamage } from './storage-damage.js';
import { TreeTables } from './tree-tables.js';

export interface OpenLedgerOptions extends SealDefaults {
  /** The read models each append keeps current (see src/ledger/read-models.ts). */
  readModels: ReadModels;
  /** Create the file if it does not exist (only `kfm init` and tests do). */
  create?: boolean;
  /** How long an append waits for another process's write lock, in ms. */
  busyTimeoutMs?: number;
  migrate?: MigrateOptions;
  /**
   * Only to read: the file is opened read-only and must already be a ledger (else
   * LEDGER_UNREADABLE); nothing is created, migrated or synced; appendEvents is refused, and the
   * sealing code (the zod vocabulary, ULIDs, the hasher) is never loaded, which is most of a query
   * command's start-up time.
   */
  readOnly?: boolean;
  /**
   * A writer that may never append (`kfm checkpoint` stores a checkpoint, `kfm import` copies rows)
   * loads the sealing code at its first `loadSeal()` instead of at open: the async door awaits it
   * before an append, so such a command does not pay for the zod vocabulary at start-up.
   */
  deferSeal?: boolean;
}

/** Seals drafts onto the chain head (validate, number, link, hash): what an append needs. */
export type Seal = (drafts: readonly unknown[], head: ChainHead) => SealedEvent[];

const COLUMNS = EVENT_COLUMNS.join(', ');

/** The values of a sealed event's `events` row, in the order of EVENT_COLUMNS (and of INSERT_EVENT). */
export function storedRowValues(event: SealedEvent): unknown[] {
  return eventRowValues(rowFromSealed(event));
}

/** The one INSERT of an event row, for whoever writes rows below the append API (tests, benchmarks). */
export const INSERT_EVENT = `INSERT INTO events (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`;
const FILTER_COLUMNS = ['dataset_id', 'run_id', 'type'] as const;

/**
 * Opens an SQLite ledger file: a writer creates (with `create`) and migrates it; a reader
 * (`readOnly`) opens it read-only and never creates, migrates or writes anything.
 */
export async function openSqliteLedger(path: string, options: OpenLedgerOptions): Promise<SqliteLedger> {
  if (options.readOnly) return openForReading(path, options.readModels, options.busyTimeoutMs ?? 30_000);
  if (!existsSync(path)) {
    if (!options.create) {
      throw new KfmError(
        'NOT_FOUND',
        `no ledger at ${path}: run \`kfm init\` in the root first, or pass --ledger`,
        {
          details: { file: path },
        },
      );
    }
    mkdirSync(dirname(path), { recursive: true });
  }
  const seal = options.deferSeal ? options : await loadSeal(options);
  let db: Database.Database;
  try {
    db = openDatabase(path, { timeout: options.busyTimeoutMs ?? 30_000 });
    db.pragma('journal_mode = WAL');
    // FULL: a committed event survives power loss, which an audit log owes its readers.
    db.pragma('synchronous = FULL');
  } catch (error) {
    throw new KfmError('IO', `cannot open the ledger ${path}: ${(error as Error).message}`, {
      details: { file: path },
      cause: error,
    });
  }
  let projections: ProjectionTables | null;
  let tree: TreeTables | null;
  let migrated: string[];
  try {
    migrated = await migrateLedger(db, options.migrate);
    // The tables catch up with events they have not seen (the backfill after an upgrade).
    projections = ProjectionTables.open(db, options.readModels);
    projections?.sync();
    tree = TreeTables.open(db);
    tree?.sync();
  } catch (error) {
    db.close();
    throw error;
  }
  return new SqliteLedger(
    db,
    seal,
    projections,
    { path, pendingMigrations: [], migrated, snapshot: false, close: () => db.close() },
    tree,
  );
}

/**
 * The reader's open: the events table is the stable contract, so a ledger of an older schema is
 * read in place; what a command needs beyond it, it asks for (requireSchema, requireCurrentTables).
 */
function openForReading(path: string, readModels: ReadModels, timeoutMs: number): SqliteLedger {
  const handle = openReadOnlyDatabase(path, timeoutMs);
  try {
    const found = handle.db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'")
      .get();
    if (found === undefined)
      throw unreadable(path, 'is an SQLite database without an events table, not a kfm ledger');
    const pending = pendingMigrations(handle.db);
    // Tables of an older schema may lack columns the statements name: unused until migrated.
    const tables = pending.length > 0 ? null : ProjectionTables.open(handle.db, readModels);
    return new SqliteLedger(
      handle.db,
      null,
      tables,
      { path, pendingMigrations: pending, migrated: [], snapshot: handle.snapshot, close: handle.close },
      pending.length > 0 ? null : TreeTables.open(handle.db),
    );
  } catch (error) {
    handle.close();
    throw storageDamage(path, error) ?? error;
  }
}

/** How a ledger was opened: what a reader may need to know, and how to let go of it. */
export interface LedgerAccess {
  path: string;
  /** Migrations this kfm knows that the file lacks (a reader never applies them). */
  pendingMigrations: readonly string[];
  /** Migrations this open applied (a writer's open migrates; `kfm migrate` reports them). */
  migrated: readonly string[];
  /** Read into memory from a folder this process cannot write (see openReadOnlyDatabase). */
  snapshot: boolean;
  close(): void;
}

const refuseAppends: Seal = () => {
  throw new Error('this ledger was opened read-only (readOnly: true): appends are refused');
};

const sealNotLoaded: Seal = () => {
  throw new Error('this ledger was opened with deferSeal: await loadSeal() before appending');
};

async function loadSeal(defaults: SealDefaults): Promise<Seal> {
  const [{ sealEvents }, { sealContextFactory }] = await Promise.all([
    import('../pure/seal-events.js'),
    import('../seal-context.js'),
  ]);
  const context = sealContextFactory(defaults);
  return (drafts, head) => sealEvents(drafts, context(head));
}

export class SqliteLedger implements LedgerStore {
  readonly db: Database.Database;
  #seal: Seal;
  /** What loadSeal() loads the sealing code with, for a writer opened with deferSeal; else null. */
  #deferred: SealDefaults | null;
  readonly #headStatement: Database.Statement<[], { seq: number; hash: string }>;
  readonly #insert: Database.Statement;
  readonly #appendTransaction: Database.Transaction<(drafts: readonly unknown[]) => SealedEvent[]>;
  readonly #reads = new Map<string, Database.Statement>();
  /** The projection tables, kept current by each append; null on a schema before they existed. */
  readonly projections: ProjectionTables | null;
  /** The transparency log's tree, kept by each append; null on a schema before it existed. */
  readonly tree: TreeTables | null;
  readonly access: LedgerAccess;

  constructor(
    db: Database.Database,
    /** The sealing code; its defaults to load it by loadSeal() (deferSeal); null for a reader. */
    seal: Seal | SealDefaults | null,
    projections: ProjectionTables | null = null,
    access: LedgerAccess = {
      path: db.name,
      pendingMigrations: [],
      migrated: [],
      snapshot: false,
      close: () => db.close(),
    },
    tree: TreeTables | null = null,
  ) {
    this.db = db;
    this.projections = projections;
    this.tree = tree;
    this.access = access;
    this.#deferred = seal !== null && typeof seal === 'object' ? seal : null;
    this.#seal = seal === null ? refuseAppends : typeof seal === 'object' ? sealNotLoaded : seal;
    this.#headStatement = db.prepare('SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1');
    this.#insert = db.prepare(INSERT_EVENT);
    this.#appendTransaction = db.transaction((drafts: readonly unknown[]) => {
      // The head is read inside the write lock, so concurrent writers can never fork the chain.
      const events = this.#seal(drafts, this.head());
      for (const event of events) this.#insert.run(storedRowValues(event));
      // Same transaction: the tables never disagree with the events a reader can see.
      this.projections?.afterAppend(events);
      this.tree?.afterAppend(events);
      return events;
    });
  }

  head(): ChainHead {
    return this.#headStatement.get() ?? { seq: 0, hash: GENESIS_HASH };
  }

  /** Loads the sealing code of a writer opened with deferSeal (a no-op for any other ledger). */
  async loadSeal(): Promise<void> {
    if (this.#deferred === null) return;
    this.#seal = await loadSeal(this.#deferred);
    this.#deferred = null;
  }

  appendEvents(drafts: readonly unknown[]): AppendResult {
    let events: SealedEvent[];
    try {
      events = this.#appendTransaction.immediate(drafts);
    } catch (error) {
      throw explainSqliteError(error);
    }
    const last = events.at(-1);
    const head = last === undefined ? this.head() : { seq: last.envelope.seq, hash: last.hash };
    return { first_seq: head.seq - events.length + 1, last_seq: head.seq, head, events };
  }

  readEvents(filter: ReadFilter = {}): IterableIterator<StoredRow> {
    const where: string[] = [];
    const params: unknown[] = [];
    for (const column of FILTER_COLUMNS) {
      const value = filter[column];
      if (value !== undefined) {
        where.push(`${column} = ?`);
        params.push(value);
      }
    }
    if (filter.from_seq !== undefined) {
      where.push('seq >= ?');
      params.push(filter.from_seq);
    }
    if (filter.to_seq !== undefined) {
      where.push('seq <= ?');
      params.push(filter.to_seq);
    }
    const limit = filter.limit === undefined ? '' : ' LIMIT ?';
    if (filter.limit !== undefined) params.push(filter.limit);
    const sql = `SELECT ${COLUMNS} FROM events${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY seq${limit}`;
    let statement = this.#reads.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.#reads.set(sql, statement);
    }
    return statement.iterate(...params) as IterableIterator<StoredRow>;
  }

  /** Every dataset with an event, by name: read from the dataset index, no event body is touched. */
  datasetIds(): string[] {
    return this.db
      .prepare('SELECT DISTINCT dataset_id FROM events ORDER BY dataset_id')
      .pluck()
      .all() as string[];
  }

  /**
   * The projection tables, for the commands that compare or answer from them; MIGRATION_REQUIRED
   * on a ledger whose schema predates them, since a reader never migrates.
   */
  requireSchema(): ProjectionTables {
    const { path, pendingMigrations: pending } = this.access;
    if (pending.length > 0 || this.projections === null) {
      throw new KfmError(
        'MIGRATION_REQUIRED',
        `the ledger ${path} has an older schema (missing ${pending.join(', ')}); this command needs it: run \`kfm migrate\` (a reader never migrates)`,
        { details: { file: path, pending_migrations: pending } },
      );
    }
    return this.projections;
  }

  /** As requireSchema, and the tables must reflect every event: the query commands answer from them. */
  requireCurrentTables(): ProjectionTables {
    const tables = this.requireSchema();
    if (!tables.current()) {
      throw new KfmError(
        'MIGRATION_REQUIRED',
        `the projection tables of ${this.access.path} are behind its events; run \`kfm migrate\` to bring them up to date (a reader never writes them)`,
        { details: { file: this.access.path } },
      );
    }
    return tables;
  }

  /** Runs `fn` holding the ledger's write lock (BEGIN IMMEDIATE): another process's `fn` or append waits. */
  exclusive<T>(fn: () => T): T {
    try {
      return this.db.transaction(fn).immediate();
    } catch (error) {
      throw explainSqliteError(error);
    }
  }

  close(): void {
    if (this.db.open) this.access.close();
  }
}

function explainSqliteError(error: unknown): unknown {
  if (error instanceof KfmError) return error;
  const code = (error as { code?: unknown }).code;
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return new KfmError(
      'LEDGER_CONFLICT',
      'the ledger stayed locked by another writer past the busy timeout; retry',
      {
        cause: error,
      },
    );
  }
  if (typeof code === 'string' && code.startsWith('SQLITE_')) {
    return new KfmError('IO', `the ledger refused the append (${code}): ${(error as Error).message}`, {
      cause: error,
    });
  }
  return error;
}
