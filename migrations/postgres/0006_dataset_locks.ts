import { type Kysely, sql } from 'kysely';

/**
 * PostgreSQL only: who holds each dataset's stage lock (src/ledger/postgres/dataset-lock-pg.ts). The
 * lock itself is a session advisory lock, freed when its holder's connection ends; the row says who
 * took it, and a row left behind tells the next taker that its holder died. An SQLite ledger keeps the
 * same facts in lock files beside the ledger file, so it has no migration of this number.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE dataset_locks (dataset_id text PRIMARY KEY, holder jsonb NOT NULL)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE dataset_locks`.execute(db);
}
