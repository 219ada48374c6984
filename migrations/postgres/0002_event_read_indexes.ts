import type { Kysely } from 'kysely';

/** The read indexes of migrations/0002_event_read_indexes.ts: by dataset, run and type, in seq order. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('events_by_dataset').on('events').columns(['dataset_id', 'seq']).execute();
  await db.schema.createIndex('events_by_run').on('events').columns(['run_id', 'seq']).execute();
  await db.schema.createIndex('events_by_type').on('events').columns(['type', 'seq']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('events_by_type').execute();
  await db.schema.dropIndex('events_by_run').execute();
  await db.schema.dropIndex('events_by_dataset').execute();
}
