import type Database from 'better-sqlite3';
import type { Migration, MigrationResultSet } from 'kysely';
import { MIGRATIONS } from '../../../migrations/index.js';
import { KfmError } from '../../errors.js';

const MIGRATION_TABLE = 'kysely_migration';

export interface MigrateOptions {
  /** Stop after this migration (tests use it to build a ledger as an older version wrote it). */
  upTo?: string;
  migrations?: Record<string, Migration>;
}

/**
 * Brings the ledger schema up to date. Runs under `BEGIN IMMEDIATE` so that several processes
 * opening a new ledger at once serialise instead of racing on CREATE TABLE; Kysely's SQLite adapter
 * takes no lock of its own and runs no transaction, so it executes inside ours. Whether anything is
 * pending is read with one plain query first: Kysely and the migrations are loaded only when it is,
 * since loading them costs a query command most of its start-up time.
 */
export async function migrateLedger(db: Database.Database, options: MigrateOptions = {}): Promise<string[]> {
  const known = Object.keys(options.migrations ?? MIGRATIONS);
  const wanted = known.sort().filter((name) => options.upTo === undefined || name <= options.upTo);
  if (pendingOf(db, wanted, new Set(known)).length === 0) return [];

  const migrations = options.migrations ?? (await loadMigrations(wanted));
  const { Kysely, Migrator, SqliteDialect } = await import('kysely');
  const kysely = new Kysely<unknown>({ dialect: new SqliteDialect({ database: db }) });
  const migrator = new Migrator({
    db: kysely,
    provider: { getMigrations: async () => migrations },
    migrationTableName: MIGRATION_TABLE,
  });
  db.exec('BEGIN IMMEDIATE');
  let outcome: MigrationResultSet;
  try {
    outcome =
      options.upTo === undefined ? await migrator.migrateToLatest() : await migrator.migrateTo(options.upTo);
    if (outcome.error !== undefined) throw outcome.error;
    db.exec('COMMIT');
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw explainMigrationError(error);
  }
  return (outcome.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** The migrations this kfm knows that the ledger has not applied (read-only: one or two queries). */
export function pendingMigrations(db: Database.Database): string[] {
  const known = Object.keys(MIGRATIONS).sort();
  return pendingOf(db, known, new Set(known));
}

/** The migrations the ledger has applied, in order (none before its first). */
export function appliedMigrations(db: Database.Database): string[] {
  const known = Object.keys(MIGRATIONS);
  const pending = new Set(pendingMigrations(db));
  return known.sort().filter((name) => !pending.has(name));
}

/** The migrations up to the last wanted one: Kysely's migrator expects every one it has applied. */
async function loadMigrations(wanted: string[]): Promise<Record<string, Migration>> {
  const loaded = await Promise.all(wanted.map(async (name) => [name, await MIGRATIONS[name]!()] as const));
  return Object.fromEntries(loaded);
}

function pendingOf(db: Database.Database, wanted: string[], known: Set<string>): string[] {
  const exists = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?")
    .get(MIGRATION_TABLE);
  if (exists === undefined) return wanted;
  const applied = db.prepare(`SELECT name FROM ${MIGRATION_TABLE}`).pluck().all() as string[];
  const unknown = applied.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new KfmError(
      'LEDGER_SCHEMA_TOO_NEW',
      `the ledger was written by a newer kfm (schema migrations ${unknown.join(', ')} are unknown to this version); upgrade kfm to read it`,
      { details: { unknown_migrations: unknown } },
    );
  }
  const done = new Set(applied);
  return wanted.filter((name) => !done.has(name));
}

function explainMigrationError(error: unknown): unknown {
  if (error instanceof KfmError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new KfmError('IO', `could not migrate the ledger schema: ${message}`, { cause: error });
}
