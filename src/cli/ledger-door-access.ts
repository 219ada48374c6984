import { type LedgerDoor, type OpenDoorOptions, openLedger } from '../ledger/ledger-door.js';
import { kfmActor } from '../tool-info.js';
import { localLedgerTarget } from './commands/copy.js';
import type { GlobalOptions } from './io.js';

/**
 * Opens this root's ledger through the door (`--ledger` a path or a URL, else KFM_LEDGER_URL, else
 * <root>/ledger/kfm.sqlite) for one command and always closes it.
 */
export async function withDoor<T>(
  options: GlobalOptions,
  open: Partial<OpenDoorOptions>,
  use: (door: LedgerDoor) => Promise<T>,
): Promise<T> {
  const door = await openLedger(localLedgerTarget(options), { actor: kfmActor(), ...open });
  try {
    return await use(door);
  } finally {
    await door.close();
  }
}
