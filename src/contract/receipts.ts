import { asKfmError, KfmError } from '../errors.js';
import type { LedgerDoor } from '../ledger/ledger-door.js';
import { nodeSha256Hex } from '../ledger/node-hasher.js';
import { isType, type LedgerEvent, readEvents } from '../projections/ledger-event.js';
import type { ZoneWriter } from '../zones/zone-writer.js';
import { isBackfillRun, rawProjectionFiles, runReceiptFiles } from './projected-files.js';
import { readDatasetEvents, readRunEvents, type StageScope } from './stage-scope.js';

/** What writing the raw manifest needs of a stage: recovery passes just this for an interrupted ingest. */
export type RawProjectionScope = Pick<StageScope, 'writer' | 'datasetEvents' | 'record'> & {
  request: { dataset_id: string };
};

/** data/raw/<id>/manifest.yml and checksums.sha256: projections of every capture of the dataset. */
export async function writeRawProjections(scope: RawProjectionScope): Promise<void> {
  const [manifest, checksums] = rawProjectionFiles(
    scope.request.dataset_id,
    await scope.datasetEvents('raw.captured'),
  );
  const written = await scope.writer.writeFile('raw', manifest!.path, manifest!.content);
  await scope.writer.writeFile('raw', checksums!.path, checksums!.content);
  await scope.record('raw.manifest.written', { path: 'manifest.yml', sha256: written.sha256 });
}

/**
 * run_record.json, validation_report.json and (after a promotion) run_manifest.json in
 * data/work/<id>/runs/<run_id>/, rendered from the run's events after its run.completed: a receipt
 * is a projection, never a second source of truth.
 */
export async function writeRunReceipts(
  ledger: LedgerDoor,
  work: ZoneWriter,
  datasetId: string,
  runId: string,
): Promise<string[]> {
  const runEvents = await readRunEvents(ledger, datasetId, runId);
  const files = runReceiptFiles(
    runEvents,
    await readDatasetEvents(ledger, datasetId, 'version.published'),
    nodeSha256Hex,
    isBackfillRun(runEvents) ? await readEvents(ledger, { dataset_id: datasetId }) : undefined,
  );
  try {
    for (const file of files) await work.writeFile('work', file.path, file.content);
  } catch (error) {
    throw receiptsNotWritten(asKfmError(error), runId, runEvents);
  }
  return files.map((f) => f.path);
}

/**
 * The run's events are in the ledger, its receipts are not (a symlink swapped into the zone mid-run,
 * a full disk): the error says so, since the run will not be retried — a receipt is a projection, and
 * `kfm replay` renders it from the events once the zone is fixed.
 */
function receiptsNotWritten(error: KfmError, runId: string, runEvents: readonly LedgerEvent[]): KfmError {
  const completed = runEvents.findLast((e) => isType(e, 'run.completed'));
  const failure = completed?.payload.error?.code;
  const outcome = `${completed?.payload.status ?? 'open'}${failure === undefined ? '' : ` with ${failure}`}`;
  const seq = { first: runEvents[0]?.seq ?? null, last: runEvents.at(-1)?.seq ?? null };
  return new KfmError(
    error.code,
    `${error.message}; run ${runId} is recorded (${outcome}, seq ${seq.first}..${seq.last}) but its receipts are not written: fix the zone, then \`kfm replay\` rewrites them from the ledger`,
    { details: { ...error.details, run_id: runId, recorded: true, seq }, cause: error },
  );
}
