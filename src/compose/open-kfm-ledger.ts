import { type LedgerDoor, type OpenDoorOptions, openLedger } from '../ledger/ledger-door.js';
import { READ_MODELS } from '../projections/read-models.js';

/**
 * The composition root: where the ledger, which knows no projection, meets this project's read
 * models (src/projections/read-models.ts). Everything that opens a ledger opens it here, so every
 * door keeps the same tables whoever opened it.
 */
export type KfmLedgerOptions = Omit<OpenDoorOptions, 'readModels'>;

/** openLedger (a path, `sqlite:<path>` or `postgres://…`) with this project's read models. */
export function openKfmLedger(target: string, options: KfmLedgerOptions): Promise<LedgerDoor> {
  return openLedger(target, { ...options, readModels: READ_MODELS });
}
