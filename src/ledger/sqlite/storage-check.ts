import type Database from 'better-sqlite3';
import type { StorageFailure } from '../ledger-door.js';
import { storageDamage } from './storage-damage.js';

/** SQLite stops listing problems after this many; one is enough to fail, a few help to diagnose. */
const MAX_MESSAGES = 20;

/**
 * `PRAGMA quick_check` (pages, cells, free list, NOT NULL and STRICT types: O(N)), or with `deep`
 * `PRAGMA integrity_check`, which also matches every index entry to its row (O(N log N)): a damaged
 * index answers `kfm log --type` with rows missing while the events table itself reads fine, so
 * the hash chain alone cannot see it (https://sqlite.org/pragma.html#pragma_integrity_check).
 */
export function checkStorage(db: Database.Database, path: string, deep: boolean): StorageFailure[] {
  const pragma = deep ? 'integrity_check' : 'quick_check';
  let messages: string[];
  try {
    messages = (db.prepare(`PRAGMA ${pragma}(${MAX_MESSAGES})`).pluck().all() as string[]).filter(
      (m) => m !== 'ok',
    );
  } catch (error) {
    const damage = storageDamage(path, error);
    if (damage === null) throw error;
    return [{ code: 'STORAGE_CORRUPT', message: `SQLite ${pragma} could not finish: ${damage.message}` }];
  }
  return messages.map((m) => ({ code: 'STORAGE_CORRUPT', message: `SQLite ${pragma}: ${m}` }));
}
