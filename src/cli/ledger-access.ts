import { storageDamage } from '../ledger/read-only-open.js';
import { type OpenLedgerOptions, openSqliteLedger, type SqliteLedger } from '../ledger/sqlite-ledger.js';
import { kfmActor } from '../tool-info.js';

/**
 * Opens the ledger for one command and always closes it, whatever the command does. SQLite's
 * answer to a damaged page, met anywhere in the command, is STORAGE_CORRUPT (exit 1), not I/O.
 */
export async function withLedger<T>(
  path: string,
  options: Partial<OpenLedgerOptions> & { connector?: string },
  use: (ledger: SqliteLedger) => Promise<T> | T,
): Promise<T> {
  const { connector, ...rest } = options;
  const ledger = await openSqliteLedger(path, { actor: kfmActor(connector), ...rest });
  try {
    return await use(ledger);
  } catch (error) {
    throw storageDamage(path, error) ?? error;
  } finally {
    ledger.close();
  }
}
