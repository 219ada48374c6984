import { type KfmLedgerOptions, openKfmLedger } from '../compose/open-kfm-ledger.js';
import type { LedgerDoor } from '../ledger/ledger-door.js';
import { storageDamage } from '../ledger/sqlite/storage-damage.js';
import { kfmActor } from '../tool-info.js';

/**
 * Opens the ledger (a path or a URL, see openKfmLedger) for one command and always closes it, whatever
 * the command does. SQLite's answer to a damaged page, met anywhere in the command, is
 * STORAGE_CORRUPT (exit 1), not I/O.
 */
export async function withLedger<T>(
  target: string,
  options: Partial<KfmLedgerOptions> & { connector?: string },
  use: (ledger: LedgerDoor) => Promise<T> | T,
): Promise<T> {
  const { connector, ...rest } = options;
  const ledger = await openKfmLedger(target, { actor: kfmActor(connector), ...rest });
  try {
    return await use(ledger);
  } catch (error) {
    throw storageDamage(ledger.target, error) ?? error;
  } finally {
    await ledger.close();
  }
}
