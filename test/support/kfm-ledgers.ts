import { MemoryDoor } from '../../src/ledger/memory-door.js';
import type { SealDefaults } from '../../src/ledger/seal-context.js';
import {
  type OpenLedgerOptions,
  openSqliteLedger,
  type SqliteLedger,
} from '../../src/ledger/sqlite/sqlite-ledger.js';
import { READ_MODELS } from '../../src/projections/read-models.js';

/**
 * Ledgers below the door, or in memory, with this project's read models (what
 * src/compose/open-kfm-ledger.ts gives the door), for the tests and benchmarks that use them.
 */

/** The synchronous SQLite ledger, for tests and benchmarks that measure or tamper with it directly. */
export function openKfmSqliteLedger(
  path: string,
  options: Omit<OpenLedgerOptions, 'readModels'>,
): Promise<SqliteLedger> {
  return openSqliteLedger(path, { ...options, readModels: READ_MODELS });
}

export function memoryKfmLedger(defaults: SealDefaults): MemoryDoor {
  return new MemoryDoor({ ...defaults, readModels: READ_MODELS });
}
