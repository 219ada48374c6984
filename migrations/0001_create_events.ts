import { type Kysely, sql } from 'kysely';

/**
 * The append-only event table (docs/design.md, "Storage"). `body` holds the exact canonical bytes that
 * were hashed, so verification never depends on re-serialisation. No index on `hash`: a UNIQUE index
 * on random hex cut batched inserts ~12× here, and the chain itself makes hashes unique.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('events')
    .addColumn('seq', 'integer', (c) => c.primaryKey())
    .addColumn('event_id', 'text', (c) => c.notNull().unique())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('dataset_id', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('recorded_at', 'text', (c) => c.notNull())
    .addColumn('body', 'blob', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .modifyEnd(sql`strict`)
    .execute();

  // Append-only is enforced by the database for every writer, not by the politeness of ours.
  await sql`CREATE TRIGGER events_refuse_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'kfm ledger: events are append-only, UPDATE refused'); END`.execute(db);
  await sql`CREATE TRIGGER events_refuse_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'kfm ledger: events are append-only, DELETE refused'); END`.execute(db);
  // A raw INSERT from any other writer must still extend the chain linearly.
  await sql`CREATE TRIGGER events_require_linear_insert BEFORE INSERT ON events
    WHEN NEW.seq IS NOT (SELECT coalesce(max(seq), 0) + 1 FROM events)
      OR NEW.prev_hash IS NOT coalesce((SELECT hash FROM events WHERE seq = NEW.seq - 1), ${sql.lit('0'.repeat(64))})
    BEGIN SELECT RAISE(ABORT, 'kfm ledger: an insert must extend the chain (seq = head + 1, prev_hash = head hash)'); END`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('events').execute();
}
