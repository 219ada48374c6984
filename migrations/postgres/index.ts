import type { Migration } from 'kysely';

/**
 * The PostgreSQL ledger's migrations (src/ledger/postgres/): numbered like the SQLite ones in
 * migrations/, and a migration of the same number makes the same change, so `kfm migrate` reports
 * the same schema names on both backends (0006 exists only here: see it). Listed in code for the reasons migrations/index.ts gives.
 */
export const POSTGRES_MIGRATIONS: Record<string, () => Promise<Migration>> = {
  '0001_create_events': () => import('./0001_create_events.js'),
  '0002_event_read_indexes': () => import('./0002_event_read_indexes.js'),
  '0003_projection_tables': () => import('./0003_projection_tables.js'),
  '0004_runs_parent_run_id': () => import('./0004_runs_parent_run_id.js'),
  '0005_transparency_log': () => import('./0005_transparency_log.js'),
  '0006_dataset_locks': () => import('./0006_dataset_locks.js'),
  '0007_tlog_leaves': () => import('./0007_tlog_leaves.js'),
};
