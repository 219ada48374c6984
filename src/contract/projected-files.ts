import { stringify } from 'yaml';
import type { Sha256Hex } from '../ledger/pure/event-hash.js';
import { isType, type LedgerEvent } from '../projections/ledger-event.js';
import { projectRawManifest, storedRawFiles } from '../projections/raw-manifest.js';
import { renderReceipt } from '../projections/render-receipt.js';
import { projectRunManifest } from '../projections/run-manifest.js';
import { projectRunRecord } from '../projections/run-record.js';
import { projectValidationReport } from '../projections/validation-report.js';
import { renderChecksums } from '../zones/checksums.js';
import { planCatalogFiles } from './promotion/catalog-files.js';

/** A file that is a projection of the ledger: its bytes follow from the events alone. */
export interface ProjectedFile {
  zone: 'raw' | 'work' | 'catalog';
  /** Relative to the zone root. */
  path: string;
  content: string;
}

/** data/raw/<id>/manifest.yml and checksums.sha256, from every raw.captured of the dataset. */
export function rawProjectionFiles(datasetId: string, captures: readonly LedgerEvent[]): ProjectedFile[] {
  const manifest = projectRawManifest(datasetId, captures);
  return [
    {
      zone: 'raw',
      path: `${datasetId}/manifest.yml`,
      content: stringify(manifest, { sortMapEntries: true, lineWidth: 0 }),
    },
    {
      zone: 'raw',
      path: `${datasetId}/checksums.sha256`,
      content: renderChecksums(storedRawFiles(manifest)),
    },
  ];
}

/**
 * run_record.json, validation_report.json and run_manifest.json of one run, where it has them. A
 * backfill parent's record also needs its dataset's events (its windows live in child runs).
 */
export function runReceiptFiles(
  runEvents: readonly LedgerEvent[],
  datasetPublished: readonly LedgerEvent[],
  sha256: Sha256Hex,
  datasetEvents?: readonly LedgerEvent[],
): ProjectedFile[] {
  const first = runEvents[0];
  if (first === undefined) return [];
  const dir = `${first.dataset_id}/runs/${first.run_id}`;
  const receipts: [string, unknown][] = [
    ['run_record.json', projectRunRecord(runEvents, datasetEvents)],
    ['validation_report.json', projectValidationReport(runEvents)],
    ['run_manifest.json', projectRunManifest(runEvents, datasetPublished, sha256)],
  ];
  return receipts.flatMap(([name, doc]) =>
    doc === null ? [] : [{ zone: 'work' as const, path: `${dir}/${name}`, content: renderReceipt(doc) }],
  );
}

/** The catalogs as a promotion of `runEvents` leaves them, given every version.published so far. */
export function catalogProjectionFiles(
  runEvents: readonly LedgerEvent[],
  allPublished: readonly LedgerEvent[],
): ProjectedFile[] {
  const datasetId = runEvents[0]?.dataset_id;
  if (datasetId === undefined) return [];
  const files = planCatalogFiles({
    dataset_id: datasetId,
    entry: null,
    published: allPublished.filter((e) => e.dataset_id === datasetId),
    allPublished,
    runEvents,
    candidate: null,
  });
  return files.map((f) => ({ zone: 'catalog', path: f.path, content: renderReceipt(f.document) }));
}

/**
 * Every projected file of a whole ledger, as `kfm replay` rebuilds it: raw manifests and checksums,
 * receipts of every run, catalogs as the last promotion of each dataset left them and the PROV of
 * every promoted run. Later files for the same path win, as later writes did.
 */
export function projectAllFiles(events: readonly LedgerEvent[], sha256: Sha256Hex): ProjectedFile[] {
  const byPath = new Map<string, ProjectedFile>();
  const put = (files: ProjectedFile[]) => {
    for (const file of files) byPath.set(`${file.zone}/${file.path}`, file);
  };
  const runs = new Map<string, LedgerEvent[]>();
  const captures = new Map<string, LedgerEvent[]>();
  const byDataset = new Map<string, LedgerEvent[]>();
  const published: LedgerEvent[] = [];
  for (const event of events) {
    const key = `${event.dataset_id}\u0000${event.run_id}`;
    runs.set(key, [...(runs.get(key) ?? []), event]);
    if (!byDataset.has(event.dataset_id)) byDataset.set(event.dataset_id, []);
    byDataset.get(event.dataset_id)!.push(event);
    if (isType(event, 'raw.captured'))
      captures.set(event.dataset_id, [...(captures.get(event.dataset_id) ?? []), event]);
    if (isType(event, 'version.published')) published.push(event);
  }
  for (const [datasetId, list] of captures) put(rawProjectionFiles(datasetId, list));
  const promotions: { seq: number; run: LedgerEvent[] }[] = [];
  for (const run of runs.values()) {
    const datasetId = run[0]!.dataset_id;
    put(
      runReceiptFiles(
        run,
        published.filter((e) => e.dataset_id === datasetId),
        sha256,
        isBackfillRun(run) ? byDataset.get(datasetId) : undefined,
      ),
    );
    const anchor = run.filter((e) => isType(e, 'version.published') || isType(e, 'version.reused')).at(-1);
    if (anchor !== undefined) promotions.push({ seq: anchor.seq, run });
  }
  // Each promotion rewrote its dataset's catalogs and data.json from what was published by then.
  for (const { seq, run } of promotions.sort((a, b) => a.seq - b.seq)) {
    put(
      catalogProjectionFiles(
        run,
        published.filter((e) => e.seq <= seq),
      ),
    );
  }
  return [...byPath.values()].sort((a, b) => (`${a.zone}/${a.path}` < `${b.zone}/${b.path}` ? -1 : 1));
}

/** Whether a run is a backfill parent, whose record lists windows found in its child runs. */
export function isBackfillRun(runEvents: readonly LedgerEvent[]): boolean {
  return runEvents.some((e) => isType(e, 'run.started') && e.payload.stage === 'backfill');
}
