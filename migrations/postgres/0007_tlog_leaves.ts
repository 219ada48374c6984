import { type Kysely, sql } from 'kysely';

/** The same change as migrations/0007_tlog_leaves.ts: the level-0 partial tile as one row per leaf. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE tlog_leaves (
    idx bigint PRIMARY KEY,
    hash bytea NOT NULL CHECK (length(hash) = 32)
  )`.execute(db);
  await sql`INSERT INTO tlog_leaves (idx, hash)
    SELECT t.idx * 256 + n, substring(t.hashes from n * 32 + 1 for 32)
    FROM tlog_tiles t, generate_series(0, t.width - 1) n
    WHERE t.level = 0 AND t.width < 256`.execute(db);
  await sql`DELETE FROM tlog_tiles WHERE level = 0 AND width < 256`.execute(db);
}

/** Back to 0005's layout by rebuilding, as migrations/0007_tlog_leaves.ts does. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE tlog_leaves`.execute(db);
  await sql`DELETE FROM tlog_tiles`.execute(db);
  await sql`UPDATE tlog_state SET tree_size = 0, head_hash = ${'0'.repeat(64)} WHERE id = 1`.execute(db);
}
