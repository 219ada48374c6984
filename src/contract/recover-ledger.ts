import { readdirSync } from 'node:fs';
import type { SqliteLedger } from '../ledger/sqlite-ledger.js';
import type { ZoneLayout } from '../zones/zone-layout.js';
import { acquireDatasetLock, type DatasetLock } from './dataset-lock.js';
import { type RecoveryReport, recoverDataset, removeSharedTemps } from './recover-dataset.js';

export interface RecoverRequest {
  ledger: SqliteLedger;
  ledgerPath: string;
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
  const ids = request.datasetId === null ? knownDatasets(request) : [request.datasetId];
  const locks: DatasetLock[] = [];
  try {
    for (const id of ids) {
      locks.push(
        await acquireDatasetLock({
          ledgerPath: request.ledgerPath,
          datasetId: id,
          stage: 'recover',
          runId: null,
          waitSeconds: request.waitSeconds,
          serialize: (fn) => request.ledger.exclusive(fn),
        }),
      );
    }
    const datasets: RecoveryReport[] = [];
    for (const [i, id] of ids.entries()) {
      datasets.push(
        await recoverDataset({
          ledger: request.ledger,
          ledgerPath: request.ledgerPath,
          datasetId: id,
          root: request.layout.root,
          by: '`kfm recover`',
          stale: locks[i]!.stale,
          takenOver: locks[i]!.takenOver,
          warn: request.warn,
        }),
      );
    }
    const shared = request.datasetId === null ? removeSharedTemps(request.layout) : [];
    return { datasets, removed_shared: shared };
  } finally {
    for (const lock of locks) lock.release();
  }
}

function knownDatasets(request: RecoverRequest): string[] {
  let registered: string[] = [];
  try {
    registered = readdirSync(request.registryDir)
      .filter((name) => name.endsWith('.yml') && !name.startsWith('.'))
      .map((name) => name.slice(0, -'.yml'.length));
  } catch {
    // No registry folder: the ledger's datasets are all there is.
  }
  return [...new Set([...request.ledger.datasetIds(), ...registered])].sort();
}
