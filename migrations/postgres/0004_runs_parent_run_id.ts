import { type Kysely, sql } from 'kysely';

/**
 * The same change as migrations/0004_runs_parent_run_id.ts: the shared projection columns
 * (src/ledger/read-models.ts) name proj_runs.parent_run_id, and REDUCER_VERSION 2 makes
 * the next writer rebuild the tables from the events, which fills it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE proj_runs ADD COLUMN parent_run_id text`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE proj_runs DROP COLUMN parent_run_id`.execute(db);
}
