import type { Migration, MigrationResultSet } from 'kysely';
import type pg from 'pg';
import { POSTGRES_MIGRATIONS } from '../../../migrations/postgres/index.js';
import { KfmError } from '../../errors.js';

const MIGRATION_TABLE = 'kysely_migration';
/** A session lock distinct from the head lock: writers opening a new database at once run one by one. */
const MIGRATION_LOCK_KEY = 0x6b_66_6d_6d;

/** The migrations this kfm knows that the database has not applied; LEDGER_SCHEMA_TOO_NEW on unknown ones. */
export async function pendingPostgresMigrations(pool: pg.Pool): Promise<string[]> {
  const known = Object.keys(POSTGRES_MIGRATIONS).sort();
  const table = await pool.query<{ found: string | null }>('SELECT to_regclass($1) AS found', [
    MIGRATION_TABLE,
  ]);
  if (table.rows[0]?.found == null) return known;
  const applied = (await pool.query<{ name: string }>(`SELECT name FROM ${MIGRATION_TABLE}`)).rows.map(
    (r) => r.name,
  );
  const unknown = applied.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new KfmError(
      'LEDGER_SCHEMA_TOO_NEW',
      `the ledger was written by a newer kfm (schema migrations ${unknown.join(', ')} are unknown to this version); upgrade kfm to read it`,
      { details: { unknown_migrations: unknown } },
    );
  }
  return known.filter((name) => !applied.includes(name));
}

/**
 * Brings a PostgreSQL ledger's schema up to date through Kysely's migrator, on one connection that
 * holds a session advisory lock for the whole run: Kysely creates its bookkeeping tables before it
 * takes its own lock, and concurrent CREATE TABLEs in PostgreSQL can fail instead of waiting.
 */
export async function migratePostgresLedger(url: string): Promise<string[]> {
  const [{ Kysely, Migrator, PostgresDialect, sql }, { default: pgModule }] = await Promise.all([
    import('kysely'),
    import('pg'),
  ]);
  const migrations: Record<string, Migration> = {};
  for (const [name, load] of Object.entries(POSTGRES_MIGRATIONS)) migrations[name] = await load();
  const kysely = new Kysely<unknown>({
    dialect: new PostgresDialect({ pool: new pgModule.Pool({ connectionString: url, max: 1 }) }),
  });
  try {
    await sql`SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(kysely);
    const migrator = new Migrator({
      db: kysely,
      provider: { getMigrations: async () => migrations },
      migrationTableName: MIGRATION_TABLE,
    });
    const outcome: MigrationResultSet = await migrator.migrateToLatest();
    if (outcome.error !== undefined) {
      const message = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
      throw new KfmError('IO', `could not migrate the PostgreSQL ledger schema: ${message}`, {
        cause: outcome.error,
      });
    }
    return (outcome.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  } finally {
    // Closing the only connection ends the session and with it the lock.
    await kysely.destroy();
  }
}
