import { type Kysely, sql } from 'kysely';

/**
 * `kfm runs` groups a backfill's child runs under their parent, which each child names in its
 * run.started. Rows written before this column have it null; REDUCER_VERSION 2 makes the next
 * writer (or `kfm migrate`) rebuild the tables from the events, which fills it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE proj_runs ADD COLUMN parent_run_id text`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE proj_runs DROP COLUMN parent_run_id`.execute(db);
}
