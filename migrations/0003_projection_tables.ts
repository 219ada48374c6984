import { type Kysely, sql } from 'kysely';

/**
 * Projection tables: caches of the lineage facts the query commands read (`kfm versions`, `runs`,
 * `show`, `lineage`), kept current inside every append transaction and rebuildable by `kfm replay`
 * (docs/design.md, "Projection tables are caches"). Unlike `events` they have no append-only triggers:
 * they may be dropped, truncated and refilled at any time. `proj_state` names the last event the
 * tables reflect; it starts at reducer version 0, so the first open fills the tables from the events
 * (src/ledger/sqlite/projection-tables.ts), which is the backfill of a ledger written before this
 * migration. The layout is PROJECTION_TABLES (src/ledger/read-models.ts), which the reducers'
 * encoding fills (src/projections/projection-columns.ts); a change there is a new migration.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('proj_state')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('through_seq', 'integer', (c) => c.notNull())
    .addColumn('through_hash', 'text', (c) => c.notNull())
    .addColumn('reducer_version', 'integer', (c) => c.notNull())
    .modifyEnd(sql`strict`)
    .execute();
  await sql`INSERT INTO proj_state (id, through_seq, through_hash, reducer_version)
    VALUES (1, 0, ${sql.lit('0'.repeat(64))}, 0)`.execute(db);

  await db.schema
    .createTable('proj_runs')
    .addColumn('dataset_id', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('stage', 'text')
    .addColumn('first_seq', 'integer', (c) => c.notNull())
    .addColumn('last_seq', 'integer', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('completed_at', 'text')
    .addColumn('stages', 'text', (c) => c.notNull())
    .addColumn('captures', 'integer', (c) => c.notNull())
    .addColumn('validation_passed', 'integer')
    .addColumn('validation_seq', 'integer')
    .addColumn('version_id', 'text')
    .addColumn('reused', 'integer', (c) => c.notNull())
    .addColumn('promotion_seq', 'integer')
    .addColumn('denied', 'text')
    .addPrimaryKeyConstraint('proj_runs_pk', ['dataset_id', 'run_id'])
    .modifyEnd(sql`strict`)
    .execute();
  // `kfm runs <id>` lists a dataset's runs oldest first; `--status` across datasets; `kfm show <run_id>`.
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
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('published_at', 'text', (c) => c.notNull())
    .addColumn('supersedes', 'text')
    .addColumn('artifacts', 'text', (c) => c.notNull())
    .addColumn('bbox', 'text')
    .addPrimaryKeyConstraint('proj_versions_pk', ['dataset_id', 'version_id'])
    .modifyEnd(sql`strict`)
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
    .addColumn('seq', 'integer', (c) => c.primaryKey())
    .addColumn('dataset_id', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('capture_id', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('bytes', 'integer', (c) => c.notNull())
    .addColumn('source_uri', 'text', (c) => c.notNull())
    .addColumn('seen_before', 'integer', (c) => c.notNull())
    .addColumn('captured_at', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .modifyEnd(sql`strict`)
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
