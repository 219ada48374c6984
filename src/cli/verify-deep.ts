import { checkFiles, type DeepReport, deepReport, readValid, scanLedger } from '../audit/deep-verify.js';
import type { Progress } from '../audit/progress-bar.js';
import type { LedgerDoor } from '../ledger/ledger-door.js';
import type { ChainHead } from '../ledger/pure/seal-events.js';
import { DatasetHistories } from '../projections/history-invariants.js';
import { zoneLayout } from '../zones/zone-layout.js';

/**
 * --deep: the chain and the replay invariants in one pass over the ledger, then every raw,
 * processed, receipt and catalog file a dataset at a time, its events read again by the dataset
 * index: no pass holds the whole ledger in memory.
 */
export async function verifyDeep(
  ledger: LedgerDoor,
  root: string,
  anchors: readonly ChainHead[],
  progress: Progress,
): Promise<DeepReport> {
  try {
    const total = (await ledger.head()).seq;
    const scan = await scanLedger(ledger.read(), { total, anchors, progress });
    const histories = new DatasetHistories();
    // A ledger of a schema before the projection tables has none to compare.
    const tables = (await ledger.schemaStatus()).pending.length > 0 ? null : ledger;
    const datasets = {
      datasetIds: await ledger.datasetIds(),
      // The history invariants keep state per run, so they ride on the file checks' one read of
      // each dataset: memory follows the largest dataset, not the ledger.
      read: async (datasetId: string) =>
        histories.check(datasetId, await readValid(ledger.read({ dataset_id: datasetId }))),
      tables:
        tables === null
          ? null
          : {
              rows: (datasetId: string) => tables.projectionRows(datasetId),
              datasetIds: () => tables.projectionDatasetIds(),
            },
    };
    const files = await checkFiles(zoneLayout(root), datasets, progress);
    const invariants = [...scan.invariants, ...histories.failures].sort(
      (a, b) => (a.seq ?? 0) - (b.seq ?? 0),
    );
    const invariantsOmitted = scan.invariantsOmitted + histories.omitted;
    return deepReport({ ...scan, invariants, invariantsOmitted }, files);
  } finally {
    progress.end();
  }
}
