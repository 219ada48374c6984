import { nodeSha256Hex } from '../ledger/node-hasher.js';
import type { SqliteLedger } from '../ledger/sqlite-ledger.js';
import { decodeEvent } from '../projections/ledger-event.js';
import type { ZoneWriter } from '../zones/zone-writer.js';
import { isBackfillRun, rawProjectionFiles, runReceiptFiles } from './projected-files.js';
import { readDatasetEvents, readRunEvents, type StageScope } from './stage-scope.js';

/** data/raw/<id>/manifest.yml and checksums.sha256: projections of every capture of the dataset. */
export async function writeRawProjections(scope: StageScope): Promise<void> {
  const [manifest, checksums] = rawProjectionFiles(
    scope.request.dataset_id,
    scope.datasetEvents('raw.captured'),
  );
  const written = await scope.writer.writeFile('raw', manifest!.path, manifest!.content);
  await scope.writer.writeFile('raw', checksums!.path, checksums!.content);
  scope.record('raw.manifest.written', { path: 'manifest.yml', sha256: written.sha256 });
}

/**
 * run_record.json, validation_report.json and (after a promotion) run_manifest.json in
 * data/work/<id>/runs/<run_id>/, rendered from the run's events after its run.completed: a receipt
 * is a projection, never a second source of truth.
 */
export async function writeRunReceipts(
  ledger: SqliteLedger,
  work: ZoneWriter,
  datasetId: string,
  runId: string,
): Promise<string[]> {
  const runEvents = readRunEvents(ledger, datasetId, runId);
  const files = runReceiptFiles(
    runEvents,
    readDatasetEvents(ledger, datasetId, 'version.published'),
    nodeSha256Hex,
    isBackfillRun(runEvents) ? [...ledger.readEvents({ dataset_id: datasetId })].map(decodeEvent) : undefined,
  );
  for (const file of files) await work.writeFile('work', file.path, file.content);
  return files.map((f) => f.path);
}
