import { type Kysely, sql } from 'kysely';

/**
 * The projection tables of migrations/0003_projection_tables.ts, in PostgreSQL: the same tables,
 * columns, keys and indexes (seqs as bigint), kept current in each append transaction by
 * src/ledger/postgres/projection-tables.ts and filled from the events on the first open after this
 * migration. As in SQLite they are caches: no append-only triggers.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('proj_state')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('through_seq', 'bigint', (c) => c.notNull())
    .addColumn('through_hash', 'text', (c) => c.notNull())
    .addColumn('reducer_version', 'integer', (c) => c.notNull())
    .execute();
  await sql`INSERT INTO proj_state (id, through_seq, through_hash, reducer_version)
    VALUES (1, 0, ${sql.lit('0'.repeat(64))}, 0)`.execute(db);

  await db.schema
    .createTable('proj_runs')
    .addColumn('dataset_id', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('stage', 'text')
    .addColumn('first_seq', 'bigint', (c) => c.notNull())
    .addColumn('last_seq', 'bigint', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('completed_at', 'text')
    .addColumn('stages', 'text', (c) => c.notNull())
    .addColumn('captures', 'bigint', (c) => c.notNull())
    .addColumn('validation_passed', 'integer')
    .addColumn('validation_seq', 'bigint')
    .addColumn('version_id', 'text')
    .addColumn('reused', 'integer', (c) => c.notNull())
    .addColumn('promotion_seq', 'bigint')
    .addColumn('denied', 'text')
    .addPrimaryKeyConstraint('proj_runs_pk', ['dataset_id', 'run_id'])
    .execute();
  await db.schema
    .createIndex('proj_runs_by_dataset')
    .on('proj_runs')
    .columns(['dataset_id', 'first_seq'])
    .execute();
  await db.schema
    .createIndex('proj_runs_by_status')
    .on('proj_runs')
    .columns(['status', 'first_seq'])
    .execute();
  await db.schema.createIndex('proj_runs_by_run').on('proj_runs').columns(['run_id']).execute();
  await db.schema.createIndex('proj_runs_by_version').on('proj_runs').columns(['version_id']).execute();

  await db.schema
    .createTable('proj_versions')
    .addColumn('dataset_id', 'text', (c) => c.notNull())
    .addColumn('version_id', 'text', (c) => c.notNull())
    .addColumn('content_hash', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('published_at', 'text', (c) => c.notNull())
    .addColumn('supersedes', 'text')
    .addColumn('artifacts', 'text', (c) => c.notNull())
    .addColumn('bbox', 'text')
    .addPrimaryKeyConstraint('proj_versions_pk', ['dataset_id', 'version_id'])
    .execute();
  await db.schema
    .createIndex('proj_versions_by_dataset')
    .on('proj_versions')
    .columns(['dataset_id', 'seq'])
    .execute();
  await db.schema
    .createIndex('proj_versions_by_version')
    .on('proj_versions')
    .columns(['version_id'])
    .execute();

  await db.schema
    .createTable('proj_captures')
    .addColumn('seq', 'bigint', (c) => c.primaryKey())
    .addColumn('dataset_id', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('capture_id', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('bytes', 'bigint', (c) => c.notNull())
    .addColumn('source_uri', 'text', (c) => c.notNull())
    .addColumn('seen_before', 'integer', (c) => c.notNull())
    .addColumn('captured_at', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('proj_captures_by_run')
    .on('proj_captures')
    .columns(['dataset_id', 'run_id', 'seq'])
    .execute();
  await db.schema.createIndex('proj_captures_by_sha256').on('proj_captures').columns(['sha256']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['proj_captures', 'proj_versions', 'proj_runs', 'proj_state']) {
    await db.schema.dropTable(table).execute();
  }
}
