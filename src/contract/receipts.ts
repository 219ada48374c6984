import { stringify } from 'yaml';
import { nodeSha256Hex } from '../ledger/node-hasher.js';
import type { SqliteLedger } from '../ledger/sqlite-ledger.js';
import { projectRawManifest, storedRawFiles } from '../projections/raw-manifest.js';
import { renderReceipt } from '../projections/render-receipt.js';
import { projectRunManifest } from '../projections/run-manifest.js';
import { projectRunRecord } from '../projections/run-record.js';
import { projectValidationReport } from '../projections/validation-report.js';
import { renderChecksums } from '../zones/checksums.js';
import type { ZoneWriter } from '../zones/zone-writer.js';
import { readDatasetEvents, readRunEvents, type StageScope } from './stage-scope.js';

/** data/raw/<id>/manifest.yml and checksums.sha256: projections of every capture of the dataset. */
export async function writeRawProjections(scope: StageScope): Promise<void> {
  const ds = scope.request.dataset_id;
  const manifest = projectRawManifest(ds, scope.datasetEvents('raw.captured'));
  const yaml = stringify(manifest, { sortMapEntries: true, lineWidth: 0 });
  const written = await scope.writer.writeFile('raw', `${ds}/manifest.yml`, yaml);
  await scope.writer.writeFile('raw', `${ds}/checksums.sha256`, renderChecksums(storedRawFiles(manifest)));
  scope.record('raw.manifest.written', { path: 'manifest.yml', sha256: written.sha256 });
}

/**
 * run_record.json, validation_report.json and (after a promotion) run_manifest.json in data/work/<id>/runs/<run_id>/, rendered from the
 * run's events after its run.completed: a receipt is a projection, never a second source of truth.
 */
export async function writeRunReceipts(
  ledger: SqliteLedger,
  work: ZoneWriter,
  datasetId: string,
  runId: string,
): Promise<string[]> {
  const events = readRunEvents(ledger, datasetId, runId);
  const dir = `${datasetId}/runs/${runId}`;
  const written: string[] = [];
  const record = projectRunRecord(events);
  if (record !== null) {
    await work.writeFile('work', `${dir}/run_record.json`, renderReceipt(record));
    written.push(`${dir}/run_record.json`);
  }
  const manifest = projectRunManifest(
    events,
    readDatasetEvents(ledger, datasetId, 'version.published'),
    nodeSha256Hex,
  );
  if (manifest !== null) {
    await work.writeFile('work', `${dir}/run_manifest.json`, renderReceipt(manifest));
    written.push(`${dir}/run_manifest.json`);
  }
  const report = projectValidationReport(events);
  if (report !== null) {
    await work.writeFile('work', `${dir}/validation_report.json`, renderReceipt(report));
    written.push(`${dir}/validation_report.json`);
  }
  return written;
}
