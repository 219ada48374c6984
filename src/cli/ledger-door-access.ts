import { resolve } from 'node:path';
import { isLedgerUrl, type LedgerDoor, type OpenDoorOptions, openLedger } from '../ledger/ledger-door.js';
import { kfmActor } from '../tool-info.js';
import { type GlobalOptions, resolvePaths } from './io.js';

/**
 * This root's ledger as a target: `--ledger` (a path or a URL), else KFM_LEDGER_URL, else
 * <root>/ledger/kfm.sqlite. Export, import and the transparency-log commands (withDoor below)
 * read KFM_LEDGER_URL; the other commands not yet (see README).
 */
export function localLedgerTarget(options: GlobalOptions, env: NodeJS.ProcessEnv = process.env): string {
  const given = options.ledger ?? env.KFM_LEDGER_URL;
  if (given !== undefined && given !== '') return isLedgerUrl(given) ? given : resolve(given);
  return resolvePaths(options).ledger;
}

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
