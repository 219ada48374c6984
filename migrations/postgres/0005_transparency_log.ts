import { type Kysely, sql } from 'kysely';

/** The same change as migrations/0005_transparency_log.ts: tiles, tree state and ledger id, checkpoints. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE tlog_tiles (
    level integer NOT NULL,
    idx bigint NOT NULL,
    width integer NOT NULL CHECK (width BETWEEN 1 AND 256),
    hashes bytea NOT NULL CHECK (length(hashes) = width * 32),
    PRIMARY KEY (level, idx)
  )`.execute(db);
  await sql`CREATE TABLE tlog_state (
    id integer PRIMARY KEY CHECK (id = 1),
    ledger_id text NOT NULL,
    tree_size bigint NOT NULL,
    head_hash text NOT NULL
  )`.execute(db);
  await sql`INSERT INTO tlog_state (id, ledger_id, tree_size, head_hash)
    VALUES (1, replace(gen_random_uuid()::text, '-', ''), 0, ${'0'.repeat(64)})`.execute(db);
  await sql`CREATE TABLE tlog_checkpoints (
    id bigserial PRIMARY KEY,
    origin text NOT NULL,
    tree_size bigint NOT NULL,
    root_hash text NOT NULL,
    note text NOT NULL,
    signed_at text NOT NULL
  )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['tlog_checkpoints', 'tlog_state', 'tlog_tiles'])
    await sql`DROP TABLE ${sql.raw(table)}`.execute(db);
}
