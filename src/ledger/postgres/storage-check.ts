import type pg from 'pg';
import type { StorageFailure } from '../ledger-door.js';

/**
 * The database side of the chain rules (migrations/postgres/0001_create_events.ts): triggers that
 * refuse UPDATE, DELETE and TRUNCATE and any insert that does not extend the chain, each calling
 * its function. A superuser can disable, drop or repoint them without touching a row, and then
 * rewrite history the chain check can only see at the rows it changed.
 */
const TRIGGERS = {
  events_refuse_update: 'kfm_events_refuse_change',
  events_refuse_delete: 'kfm_events_refuse_change',
  events_refuse_truncate: 'kfm_events_refuse_change',
  events_require_linear_insert: 'kfm_events_require_linear_insert',
} as const;

/** pg_trigger.tgenabled: 'O' fires in origin sessions, 'A' always; 'R' only on replicas, 'D' never. */
const FIRING = new Set(['O', 'A']);

const corrupt = (message: string): StorageFailure => ({ code: 'STORAGE_CORRUPT', message });

/**
 * What kfm can check of a PostgreSQL ledger's storage in a few catalog reads and one pass of the
 * primary key: PostgreSQL checks its pages itself (with data checksums on, on every read), so
 * here it is what the database's own checks cannot know — that `events` holds exactly the seqs
 * 1 … head (a row deleted with the triggers off leaves a hole the count shows, before any body is
 * read) and that the append-only triggers are all there, enabled, on their functions. One
 * snapshot, so an append running beside it cannot make the count and the bounds disagree.
 */
export async function checkPostgresStorage(client: pg.PoolClient): Promise<StorageFailure[]> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    const failures: StorageFailure[] = [];
    const bounds = (
      await client.query<{ rows: number; first: number | null; last: number | null }>(
        'SELECT count(*) AS rows, min(seq) AS first, max(seq) AS last FROM events',
      )
    ).rows[0]!;
    if (bounds.rows !== (bounds.last ?? 0) || (bounds.rows > 0 && bounds.first !== 1)) {
      failures.push(
        corrupt(
          `events holds ${bounds.rows} rows but its seqs run from ${bounds.first} to ${bounds.last}: rows were removed or added around the chain rules`,
        ),
      );
    }
    const found = new Map(
      (
        await client.query<{ name: string; enabled: string; fn: string }>(
          `SELECT t.tgname AS name, t.tgenabled AS enabled, p.proname AS fn
             FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
            WHERE t.tgrelid = 'events'::regclass AND NOT t.tgisinternal`,
        )
      ).rows.map((row) => [row.name, row]),
    );
    for (const [name, fn] of Object.entries(TRIGGERS)) {
      const trigger = found.get(name);
      if (trigger === undefined)
        failures.push(corrupt(`the append-only trigger ${name} on events is missing`));
      else if (!FIRING.has(trigger.enabled))
        failures.push(corrupt(`the append-only trigger ${name} on events is disabled`));
      else if (trigger.fn !== fn)
        failures.push(corrupt(`the append-only trigger ${name} on events calls ${trigger.fn}, not ${fn}`));
    }
    return failures;
  } finally {
    await client.query('COMMIT');
  }
}
