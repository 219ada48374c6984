import type { Migration } from 'kysely';

/**
 * The PostgreSQL ledger's migrations (src/ledger/postgres/): numbered like the SQLite ones in
 * migrations/, and a migration of the same number makes the same change, so `kfm migrate` reports
 * the same schema names on both backends. Listed in code for the reasons migrations/index.ts gives.
 * The SQLite projection tables (0003) are not ported yet: a PostgreSQL ledger holds events only.
 */
export const POSTGRES_MIGRATIONS: Record<string, () => Promise<Migration>> = {
  '0001_create_events': () => import('./0001_create_events.js'),
  '0002_event_read_indexes': () => import('./0002_event_read_indexes.js'),
};
