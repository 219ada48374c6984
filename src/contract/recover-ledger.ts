import { readdirSync } from 'node:fs';
import type { DatasetLock } from '../ledger/dataset-lock.js';
import type { LedgerDoor } from '../ledger/ledger-door.js';
import type { ZoneLayout } from '../zones/zone-layout.js';
import { type RecoveryReport, recoverDataset, removeSharedTemps } from './recover-dataset.js';

export interface RecoverRequest {
  ledger: LedgerDoor;
  layout: ZoneLayout;
  registryDir: string;
  /** One dataset, or null for every dataset the ledger or the registry knows. */
  datasetId: string | null;
  waitSeconds: number;
  warn: (text: string) => void;
}

export interface RecoverOutcome {
  datasets: RecoveryReport[];
  /** Temp files of the shared data catalog (only without a dataset: see removeSharedTemps). */
  removed_shared: string[];
}

/**
 * `kfm recover [<dataset_id>]`: what the next stage of a dataset would do first, on its own. Every
 * lock is held before anything is touched — in name order, so two recovers never wait on each
 * other — and all of them together make it safe to remove the shared data catalog's temp files.
 */
export async function recoverLedger(request: RecoverRequest): Promise<RecoverOutcome> {
  const ids = request.datasetId === null ? await knownDatasets(request) : [request.datasetId];
  const locks: DatasetLock[] = [];
  try {
    for (const id of ids) {
      locks.push(
        await request.ledger.lockDataset({
          datasetId: id,
          stage: 'recover',
          runId: null,
          waitSeconds: request.waitSeconds,
        }),
      );
    }
    const datasets: RecoveryReport[] = [];
    for (const [i, id] of ids.entries()) {
      datasets.push(
        await recoverDataset({
          ledger: request.ledger,
          datasetId: id,
          root: request.layout.root,
          by: '`kfm recover`',
          lock: locks[i]!,
          warn: request.warn,
        }),
      );
    }
    const shared = request.datasetId === null ? removeSharedTemps(request.layout) : [];
    return { datasets, removed_shared: shared };
  } finally {
    for (const lock of locks) await lock.release();
  }
}

async function knownDatasets(request: RecoverRequest): Promise<string[]> {
  let registered: string[] = [];
  try {
    registered = readdirSync(request.registryDir)
      .filter((name) => name.endsWith('.yml') && !name.startsWith('.'))
      .map((name) => name.slice(0, -'.yml'.length));
  } catch {
    // No registry folder: the ledger's datasets are all there is.
  }
  return [...new Set([...(await request.ledger.datasetIds()), ...registered])].sort();
}
