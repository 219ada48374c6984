import pg from 'pg';
import { POSTGRES_MIGRATIONS } from '../../../migrations/postgres/index.js';
import { KfmError } from '../../errors.js';
import { GENESIS_HASH, type SealedEvent } from '../../events/index.js';
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
import {
  type AppendResult,
  EVENT_COLUMNS,
  eventRowValues,
  type ReadFilter,
  rowFromSealed,
} from '../ledger-store.js';
import { type ChainHead, sealEvents } from '../pure/seal-events.js';
import { treeAtHead } from '../pure/tree-sync.js';
import type { ChainReport, StoredRow } from '../pure/verify-chain.js';
import type { ProjectionRows, ReadModels, RowQueries } from '../read-models.js';
import { sealContextFactory } from '../seal-context.js';
import { treeNotCurrent } from '../tree-errors.js';
import { PostgresLocks } from './dataset-lock-pg.js';
import { HEAD_LOCK_KEY } from './head-lock.js';
import { migratePostgresLedger, pendingPostgresMigrations } from './migrate.js';
import { verifyPostgresChain } from './parallel-verify.js';
import {
  projectAppended,
  projectionDatasetIds,
  projectionRows,
  projectionsCurrent,
  syncProjections,
} from './projection-tables.js';
import { postgresRowQueries } from './row-queries.js';
import { checkPostgresStorage } from './storage-check.js';
import { lastCheckpoint, PostgresTree, readTiles, storeCheckpoint, treeStateAndHead } from './tree-tables.js';

const FILTER_COLUMNS = ['dataset_id', 'run_id', 'type'] as const;
/** 9 parameters a row: well under PostgreSQL's 65 535 a statement. */
const INSERT_CHUNK = 1000;
const INT8_OID = 20;

/** seq is `bigint`; node-postgres returns int8 as a string unless told, and a seq fits a double. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

/** The URL without its password, for messages and reports. */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://(unparseable URL)';
  }
}

/**
 * Opens a PostgreSQL ledger: a writer applies pending migrations (as SQLite's writers do); a reader
 * (`readOnly`) never migrates and refuses a database without an events table (LEDGER_UNREADABLE).
 * The database itself must exist: kfm creates tables, not databases.
 */
export async function openPostgresLedger(url: string, options: OpenDoorOptions): Promise<PostgresLedger> {
  const target = displayUrl(url);
  // Four: verifyChain's ranges (parallel-verify.ts) each hold one while the chain is checked.
  const pool = new pg.Pool({ connectionString: url, max: 4, types });
  // An idle client that loses its server reports here; the next query reports it to the caller.
  pool.on('error', () => undefined);
  let migrated: string[] = [];
  try {
    await pool.query('SELECT 1');
    if (options.readOnly) {
      const found = await pool.query<{ found: string | null }>("SELECT to_regclass('events') AS found");
      if (found.rows[0]?.found == null) {
        throw new KfmError(
          'LEDGER_UNREADABLE',
          `the PostgreSQL database ${target} has no events table: not a kfm ledger`,
          {
            details: { ledger: target },
          },
        );
      }
      await pendingPostgresMigrations(pool);
    } else if ((await pendingPostgresMigrations(pool)).length > 0) {
      migrated = await migratePostgresLedger(url);
    }
  } catch (error) {
    await pool.end();
    throw explainPgError(error, target);
  }
  const ledger = new PostgresLedger(
    pool,
    target,
    options.readModels,
    options.readOnly ? null : sealContextFactory(options),
    migrated,
  );
  // A writer brings the tables and the tree up to the events (after 0003 or 0005, appends by an older kfm).
  if (!options.readOnly) {
    try {
      await ledger.syncDerivedTables();
    } catch (error) {
      await ledger.close();
      throw error;
    }
  }
  return ledger;
}

const HEAD = 'SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1';

async function headOf(client: pg.Pool | pg.PoolClient): Promise<ChainHead> {
  const row = (await client.query<ChainHead>(HEAD)).rows[0];
  return row === undefined ? { seq: 0, hash: GENESIS_HASH } : { seq: row.seq, hash: row.hash };
}

/**
 * Inserts stored rows in multi-row statements, inside the caller's transaction: the one INSERT of a
 * PostgreSQL ledger (tests that kill a writer mid-batch write through it too).
 */
export async function insertRows(client: pg.PoolClient, rows: readonly StoredRow[]): Promise<void> {
  for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
    const chunk = rows.slice(start, start + INSERT_CHUNK);
    const params: unknown[] = [];
    const tuples = chunk.map((r) => {
      params.push(...eventRowValues(r));
      const base = params.length - EVENT_COLUMNS.length;
      return `(${EVENT_COLUMNS.map((_, i) => `$${base + i + 1}`).join(', ')})`;
    });
    await client.query(
      `INSERT INTO events (${EVENT_COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}`,
      params,
    );
  }
}

/** Starts a write transaction holding the head lock: from here to COMMIT no one else extends the chain. */
export async function beginAppend(client: pg.PoolClient): Promise<void> {
  await client.query('BEGIN');
  await client.query('SELECT pg_advisory_xact_lock($1)', [HEAD_LOCK_KEY]);
}

export class PostgresLedger implements LedgerDoor {
  readonly backend = 'postgres';
  readonly target: string;
  readonly #pool: pg.Pool;
  readonly #models: ReadModels;
  readonly #context: ReturnType<typeof sealContextFactory> | null;
  readonly #locks: PostgresLocks;
  readonly #migrated: readonly string[];
  readonly #tree = new PostgresTree();

  constructor(
    pool: pg.Pool,
    target: string,
    models: ReadModels,
    context: ReturnType<typeof sealContextFactory> | null,
    migrated: readonly string[] = [],
  ) {
    this.#pool = pool;
    this.#models = models;
    this.target = target;
    this.#context = context;
    this.#migrated = migrated;
    this.#locks = new PostgresLocks(() => pool.connect(), target);
  }

  async head(): Promise<ChainHead> {
    return this.#query(() => headOf(this.#pool));
  }

  async append(drafts: readonly unknown[]): Promise<AppendResult> {
    const context = this.#writable();
    let events: SealedEvent[] = [];
    const head = await this.#transaction(async (client) => {
      events = sealEvents(drafts, context(await headOf(client)));
      await insertRows(client, events.map(rowFromSealed));
      // Same transaction: the tables never disagree with the events a reader can see.
      await projectAppended(client, this.#models, events);
      await this.#tree.afterAppend(client, events);
      const last = events.at(-1);
      return last === undefined ? headOf(client) : { seq: last.envelope.seq, hash: last.hash };
    });
    return { first_seq: head.seq - events.length + 1, last_seq: head.seq, head, events };
  }

  read(filter: ReadFilter = {}): AsyncIterable<StoredRow> {
    return pagedRows(filter, (page) => this.#query(() => this.#page(page)));
  }

  readDecoded(filter: ReadFilter = {}) {
    return decodedRows(this.read(filter));
  }

  async datasetIds(): Promise<string[]> {
    const result = await this.#query(() =>
      this.#pool.query<{ dataset_id: string }>('SELECT DISTINCT dataset_id FROM events ORDER BY dataset_id'),
    );
    return result.rows.map((r) => r.dataset_id);
  }

  async projections(): Promise<RowQueries> {
    const client = await this.#query(() => this.#pool.connect());
    let current: boolean;
    try {
      current = await projectionsCurrent(client, this.#models);
    } catch (error) {
      throw explainPgError(error, this.target);
    } finally {
      client.release();
    }
    if (!current) {
      throw new KfmError(
        'MIGRATION_REQUIRED',
        `the projection tables of ${this.target} are behind its events; run \`kfm migrate\` to bring them up to date (a reader never writes them)`,
        { details: { ledger: this.target } },
      );
    }
    return postgresRowQueries(this.#pool);
  }

  /** Empties the projection tables and re-applies every event (what `kfm replay` does), under the head lock. */
  async rebuildProjections(): Promise<void> {
    this.#writable();
    await this.#transaction((client) => syncProjections(client, this.#models, true));
  }

  async projectionRows(datasetId?: string): Promise<ProjectionRows> {
    return this.#query(() => projectionRows(this.#pool, datasetId));
  }

  async projectionDatasetIds(): Promise<string[]> {
    return this.#query(() => projectionDatasetIds(this.#pool));
  }

  /** The same checks with or without `deep`: see checkPostgresStorage for what they cover. */
  async checkStorage(): Promise<StorageFailure[]> {
    const client = await this.#query(() => this.#pool.connect());
    try {
      return await checkPostgresStorage(client);
    } catch (error) {
      throw explainPgError(error, this.target);
    } finally {
      client.release();
    }
  }

  async schemaStatus(): Promise<SchemaStatus> {
    const pending = await this.#query(() => pendingPostgresMigrations(this.#pool));
    const client = await this.#query(() => this.#pool.connect());
    let current: boolean;
    try {
      current = pending.length === 0 && (await projectionsCurrent(client, this.#models));
    } catch (error) {
      throw explainPgError(error, this.target);
    } finally {
      client.release();
    }
    return {
      applied: Object.keys(POSTGRES_MIGRATIONS)
        .sort()
        .filter((name) => !pending.includes(name)),
      pending,
      tables_current: current,
      migrated: [...this.#migrated],
    };
  }

  async verifyChain(range: VerifyRange = {}): Promise<ChainReport> {
    const head = await this.head();
    return this.#query(() => verifyPostgresChain(() => this.#pool.connect(), head, range));
  }

  async copyIn(rows: AsyncIterable<StoredRow>): Promise<ChainHead> {
    this.#writable();
    return this.#transaction(async (client) => {
      const before = await headOf(client);
      if (before.seq !== 0) throw ledgerNotEmpty(this.target, before);
      let batch: StoredRow[] = [];
      for await (const row of rows) {
        batch.push(row);
        if (batch.length === INSERT_CHUNK) {
          await insertRows(client, batch);
          batch = [];
        }
      }
      await insertRows(client, batch);
      await syncProjections(client, this.#models);
      await this.#tree.sync(client);
      return headOf(client);
    });
  }

  /**
   * Brings the projection tables and the tree up to the events, under the head lock; a no-op when
   * they are current.
   */
  async syncDerivedTables(): Promise<void> {
    const client = await this.#query(() => this.#pool.connect());
    let current: boolean;
    try {
      const { state, head } = await treeStateAndHead(client);
      current = (await projectionsCurrent(client, this.#models)) && treeAtHead(state, head);
    } finally {
      client.release();
    }
    if (current) return;
    await this.#transaction(async (c) => {
      await syncProjections(c, this.#models);
      await this.#tree.sync(c);
    });
  }

  async ledgerId(): Promise<string> {
    return (await this.#query(() => treeStateAndHead(this.#pool))).state.ledger_id;
  }

  async treeSize(): Promise<number> {
    const { state, head } = await this.#query(() => treeStateAndHead(this.#pool));
    if (!treeAtHead(state, head)) throw treeNotCurrent(this.target, state, head);
    return state.tree_size;
  }

  async readTiles(tiles: readonly TileId[]): Promise<Uint8Array[]> {
    return this.#query(() => readTiles(this.#pool, tiles, this.target));
  }

  async storeCheckpoint(checkpoint: StoredCheckpoint): Promise<void> {
    await this.#query(() => storeCheckpoint(this.#pool, checkpoint));
  }

  async lastCheckpoint(): Promise<StoredCheckpoint | undefined> {
    return this.#query(() => lastCheckpoint(this.#pool));
  }

  lockDataset(request: DatasetLockRequest): Promise<DatasetLock> {
    this.#writable();
    return this.#query(() => this.#locks.acquire(request));
  }

  async close(): Promise<void> {
    await this.#locks.close();
    await this.#pool.end();
  }

  #writable(): ReturnType<typeof sealContextFactory> {
    if (this.#context === null) {
      throw new KfmError(
        'USAGE',
        `the ledger ${this.target} was opened read-only (readOnly: true): appends are refused`,
      );
    }
    return this.#context;
  }

  async #page(filter: ReadFilter): Promise<StoredRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const bind = (clause: string, value: unknown) => {
      params.push(value);
      where.push(clause.replace('?', `$${params.length}`));
    };
    for (const column of FILTER_COLUMNS) {
      const value = filter[column];
      if (value !== undefined) bind(`${column} = ?`, value);
    }
    if (filter.from_seq !== undefined) bind('seq >= ?', filter.from_seq);
    if (filter.to_seq !== undefined) bind('seq <= ?', filter.to_seq);
    const clause = where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`;
    params.push(filter.limit ?? null);
    const sql = `SELECT ${EVENT_COLUMNS.join(', ')} FROM events${clause} ORDER BY seq LIMIT $${params.length}`;
    return (await this.#pool.query<StoredRow>(sql, params)).rows;
  }

  /** One write transaction under the head lock; any failure rolls it back and leaves nothing. */
  async #transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#query(() => this.#pool.connect());
    try {
      await beginAppend(client);
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw explainPgError(error, this.target);
    } finally {
      client.release();
    }
  }

  async #query<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw explainPgError(error, this.target);
    }
  }
}

/** node-postgres's errors as kfm's: the server's refusal, an unreachable server, a missing database. */
function explainPgError(error: unknown, target: string): unknown {
  if (error instanceof KfmError) return error;
  const { code, message } = error as { code?: string; message?: string };
  const details = { ledger: target, ...(code === undefined ? {} : { sqlstate: code }) };
  if (code === '3D000') {
    return new KfmError(
      'NOT_FOUND',
      `no PostgreSQL database for ${target}: create it first (CREATE DATABASE …)`,
      {
        details,
        cause: error,
      },
    );
  }
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT') {
    return new KfmError('IO', `cannot reach PostgreSQL for ${target} (${code}): is the server running?`, {
      details,
      cause: error,
    });
  }
  return new KfmError('IO', `the PostgreSQL ledger ${target} refused: ${message ?? String(error)}`, {
    details,
    cause: error,
  });
}
