import { type Kysely, sql } from 'kysely';
import { HEAD_LOCK_KEY } from '../../src/ledger/postgres/head-lock.js';

/**
 * The append-only event table, as migrations/0001_create_events.ts makes it in SQLite: the same
 * columns, `body` as `bytea` holding the exact canonical bytes that were hashed. The database
 * refuses UPDATE, DELETE, TRUNCATE and any insert that does not extend the chain, whoever writes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('events')
    .addColumn('seq', 'bigint', (c) => c.primaryKey())
    .addColumn('event_id', 'text', (c) => c.notNull().unique())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('dataset_id', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('recorded_at', 'text', (c) => c.notNull())
    .addColumn('body', 'bytea', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();

  await sql`CREATE FUNCTION kfm_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'kfm ledger: events are append-only, % refused', TG_OP USING ERRCODE = 'raise_exception';
    END $$`.execute(db);
  for (const op of ['UPDATE', 'DELETE'] as const) {
    await sql`CREATE TRIGGER ${sql.raw(`events_refuse_${op.toLowerCase()}`)} BEFORE ${sql.raw(op)} ON events
      FOR EACH ROW EXECUTE FUNCTION kfm_events_refuse_change()`.execute(db);
  }
  await sql`CREATE TRIGGER events_refuse_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION kfm_events_refuse_change()`.execute(db);

  // The trigger takes the appenders' head lock itself, so a raw INSERT from another client
  // serializes with kfm's writers and reads a head no one else is extending. Row-level BEFORE
  // triggers see the rows a multi-row INSERT has already added, so one statement may add a batch.
  await sql`CREATE FUNCTION kfm_events_require_linear_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      head_seq bigint := 0;
      head_hash text := ${sql.lit('0'.repeat(64))};
    BEGIN
      PERFORM pg_advisory_xact_lock(${sql.lit(HEAD_LOCK_KEY)});
      SELECT seq, hash INTO head_seq, head_hash FROM events ORDER BY seq DESC LIMIT 1;
      IF NOT FOUND THEN
        head_seq := 0;
        head_hash := ${sql.lit('0'.repeat(64))};
      END IF;
      IF NEW.seq IS DISTINCT FROM head_seq + 1 OR NEW.prev_hash IS DISTINCT FROM head_hash THEN
        RAISE EXCEPTION 'kfm ledger: an insert must extend the chain (seq = head + 1, prev_hash = head hash)'
          USING ERRCODE = 'check_violation';
      END IF;
      RETURN NEW;
    END $$`.execute(db);
  await sql`CREATE TRIGGER events_require_linear_insert BEFORE INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION kfm_events_require_linear_insert()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('events').execute();
  await sql`DROP FUNCTION kfm_events_require_linear_insert()`.execute(db);
  await sql`DROP FUNCTION kfm_events_refuse_change()`.execute(db);
}
