import type { Migration } from 'kysely';

/**
 * Listed in code rather than read from the folder: Kysely's FileMigrationProvider cannot load .ts
 * files under vitest, and a compiled CLI must not depend on its working directory. Names sort in
 * the order they run; never rename or edit one that has shipped. Each is loaded only when a ledger
 * needs it (and with it Kysely): opening an up-to-date ledger reads just the names.
 */
export const MIGRATIONS: Record<string, () => Promise<Migration>> = {
  '0001_create_events': () => import('./0001_create_events.js'),
  '0002_event_read_indexes': () => import('./0002_event_read_indexes.js'),
  '0003_projection_tables': () => import('./0003_projection_tables.js'),
  '0004_runs_parent_run_id': () => import('./0004_runs_parent_run_id.js'),
  '0005_transparency_log': () => import('./0005_transparency_log.js'),
  // 0006 is PostgreSQL's alone (migrations/postgres/0006_dataset_locks.ts).
  '0007_tlog_leaves': () => import('./0007_tlog_leaves.js'),
};
