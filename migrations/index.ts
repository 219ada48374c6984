import type { Migration } from 'kysely';
import * as m0001 from './0001_create_events.js';
import * as m0002 from './0002_event_read_indexes.js';
import * as m0003 from './0003_projection_tables.js';

/**
 * Listed in code rather than read from the folder: Kysely's FileMigrationProvider cannot load .ts
 * files under vitest, and a compiled CLI must not depend on its working directory. Names sort in
 * the order they run; never rename or edit one that has shipped.
 */
export const MIGRATIONS: Record<string, Migration> = {
  '0001_create_events': m0001,
  '0002_event_read_indexes': m0002,
  '0003_projection_tables': m0003,
};
