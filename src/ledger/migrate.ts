import type Database from 'better-sqlite3';
import { Kysely, type Migration, type MigrationResultSet, Migrator, SqliteDialect } from 'kysely';
import { MIGRATIONS } from '../../migrations/index.js';
import { KfmError } from '../errors.js';

const MIGRATION_TABLE = 'kysely_migration';

export interface MigrateOptions {
  /** Stop after this migration (tests use it to build a ledger as an older version wrote it). */
  upTo?: string;
  migrations?: Record<string, Migration>;
}

/**
 * Brings the ledger schema up to date. Runs under `BEGIN IMMEDIATE` so that several processes
 * opening a new ledger at once serialise instead of racing on CREATE TABLE; Kysely's SQLite adapter
 * takes no lock of its own and runs no transaction, so it executes inside ours.
 */
export async function migrateLedger(db: Database.Database, options: MigrateOptions = {}): Promise<string[]> {
  const migrations = options.migrations ?? MIGRATIONS;
  const wanted = Object.keys(migrations)
    .sort()
    .filter((name) => options.upTo === undefined || name <= options.upTo);
  if (pendingOf(db, wanted, migrations).length === 0) return [];

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

function pendingOf(db: Database.Database, wanted: string[], migrations: Record<string, Migration>): string[] {
  const exists = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?")
    .get(MIGRATION_TABLE);
  if (exists === undefined) return wanted;
  const applied = db.prepare(`SELECT name FROM ${MIGRATION_TABLE}`).pluck().all() as string[];
  const unknown = applied.filter((name) => !Object.hasOwn(migrations, name));
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
