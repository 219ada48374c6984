import { type Kysely, sql } from 'kysely';

/**
 * The transparency log over the events (docs/transparency-log.md): the tree's C2SP tiles, the state
 * that says which events they cover, the checkpoints `kfm checkpoint` signed, and the ledger's
 * stable id (the default log origin `kfm.local/<ledger id>`), made once here at random. The tiles
 * start empty at size 0: the next writer to open the ledger (`kfm migrate`) builds them from the
 * stored events (src/ledger/tree-tables.ts).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE tlog_tiles (
    level INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    width INTEGER NOT NULL CHECK (width BETWEEN 1 AND 256),
    hashes BLOB NOT NULL CHECK (length(hashes) = width * 32),
    PRIMARY KEY (level, idx)
  ) STRICT`.execute(db);
  await sql`CREATE TABLE tlog_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    ledger_id TEXT NOT NULL,
    tree_size INTEGER NOT NULL,
    head_hash TEXT NOT NULL
  ) STRICT`.execute(db);
  await sql`INSERT INTO tlog_state (id, ledger_id, tree_size, head_hash)
    VALUES (1, lower(hex(randomblob(16))), 0, ${'0'.repeat(64)})`.execute(db);
  await sql`CREATE TABLE tlog_checkpoints (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    origin TEXT NOT NULL,
    tree_size INTEGER NOT NULL,
    root_hash TEXT NOT NULL,
    note TEXT NOT NULL,
    signed_at TEXT NOT NULL
  ) STRICT`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['tlog_checkpoints', 'tlog_state', 'tlog_tiles'])
    await sql`DROP TABLE ${sql.raw(table)}`.execute(db);
}
