import { type Kysely, sql } from 'kysely';

/**
 * The level-0 partial tile as one row per leaf hash (issue 11): a one-event append used to rewrite
 * that tile's whole row (on average 128 hashes, 4 KiB on overflow pages); it now inserts 32 bytes.
 * `tlog_leaves` holds the leaves of the rightmost level-0 tile only: when that tile completes, the
 * full tile goes to `tlog_tiles` and its leaf rows are deleted (src/ledger/sqlite/tree-tables.ts).
 * The partial level-0 tile a ledger has is moved here. Numbered as on PostgreSQL, where 0006 is
 * `0006_dataset_locks` (SQLite keeps its dataset locks in files).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE tlog_leaves (
    idx INTEGER PRIMARY KEY,
    hash BLOB NOT NULL CHECK (length(hash) = 32)
  ) STRICT`.execute(db);
  await sql`INSERT INTO tlog_leaves (idx, hash)
    WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 254)
    SELECT t.idx * 256 + n.i, substr(t.hashes, n.i * 32 + 1, 32)
    FROM tlog_tiles t JOIN n ON n.i < t.width
    WHERE t.level = 0 AND t.width < 256`.execute(db);
  await sql`DELETE FROM tlog_tiles WHERE level = 0 AND width < 256`.execute(db);
}

/** Back to 0005's layout by rebuilding: the next writer's open makes the tiles again from the events. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE tlog_leaves`.execute(db);
  await sql`DELETE FROM tlog_tiles`.execute(db);
  await sql`UPDATE tlog_state SET tree_size = 0, head_hash = ${'0'.repeat(64)} WHERE id = 1`.execute(db);
}
