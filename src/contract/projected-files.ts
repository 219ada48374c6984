import { stringify } from 'yaml';
import { projectCatalogInput } from '../catalogs/catalog-input.js';
import type { DcatDataset } from '../catalogs/dcat.js';
import { isKnownEventType } from '../events/index.js';
import type { Sha256Hex } from '../ledger/pure/event-hash.js';
import { isType, type LedgerEvent } from '../projections/ledger-event.js';
import { projectRawManifest, storedRawFiles } from '../projections/raw-manifest.js';
import { renderReceipt } from '../projections/render-receipt.js';
import { projectRunManifest } from '../projections/run-manifest.js';
import { projectRunRecord } from '../projections/run-record.js';
import { projectValidationReport } from '../projections/validation-report.js';
import { renderChecksums } from '../zones/checksums.js';
import {
  type CatalogFile,
  DATA_CATALOG_PATH,
  dataCatalogFile,
  dcatDatasetFile,
  planCatalogFiles,
  provFile,
  stacFiles,
} from './promotion/catalog-files.js';

/** A file that is a projection of the ledger: its bytes follow from the events alone. */
export interface ProjectedFile {
  zone: 'raw' | 'work' | 'catalog';
  /** Relative to the zone root. */
  path: string;
  content: string;
  /** A receipt's value before rendering: verify --deep checks it against its schema unparsed. */
  document?: unknown;
}

/** data/raw/<id>/manifest.yml and checksums.sha256, from every raw.captured of the dataset. */
export function rawProjectionFiles(datasetId: string, captures: readonly LedgerEvent[]): ProjectedFile[] {
  const manifest = projectRawManifest(datasetId, captures);
  return [
    {
      zone: 'raw',
      path: `${datasetId}/manifest.yml`,
      content: stringify(manifest, { sortMapEntries: true, lineWidth: 0 }),
      document: manifest,
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
 *
 * A receipt is the runtime's account of the steps it performed, so it projects the run's core
 * events only. Extension facts (`kfm append x.site.note`) stay in the ledger (`kfm log --run_id`)
 * but leave every receipt as it was: otherwise each append would have to rewrite receipts in the
 * work zone, racing a stage of the same run that renders them too, and a crash between the append
 * and the rewrite would fail verify --deep until a replay.
 */
export function runReceiptFiles(
  allRunEvents: readonly LedgerEvent[],
  datasetPublished: readonly LedgerEvent[],
  sha256: Sha256Hex,
  datasetEvents?: readonly LedgerEvent[],
): ProjectedFile[] {
  const runEvents = allRunEvents.filter((e) => isKnownEventType(e.type));
  const first = runEvents[0];
  if (first === undefined) return [];
  const dir = `${first.dataset_id}/runs/${first.run_id}`;
  const receipts: [string, unknown][] = [
    ['run_record.json', projectRunRecord(runEvents, datasetEvents)],
    ['validation_report.json', projectValidationReport(runEvents)],
    ['run_manifest.json', projectRunManifest(runEvents, datasetPublished, sha256)],
  ];
  return receipts.flatMap(([name, doc]) =>
    doc === null
      ? []
      : [{ zone: 'work' as const, path: `${dir}/${name}`, content: renderReceipt(doc), document: doc }],
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
  return files.map(catalogFile);
}

/**
 * Every projected file of a ledger, one dataset at a time, as `kfm replay` rebuilds them: push each
 * dataset's events (seq order), then `finish()` for the DCAT catalog of all datasets. Across
 * datasets only each one's DCAT dataset is kept (the catalog lists them all), so memory follows the
 * largest dataset and the number of datasets, never the length of the ledger.
 */
export class LedgerProjection {
  readonly #sha256: Sha256Hex;
  /** Each dataset's DCAT dataset as its latest promotion wrote it, and its first publication's seq. */
  readonly #dcat: { firstSeq: number; datasetId: string; file: CatalogFile }[] = [];
  /** The latest promotion that wrote catalogs: the data catalog is as it left it. */
  #lastCatalog: { seq: number; datasetId: string } | null = null;

  constructor(sha256: Sha256Hex) {
    this.#sha256 = sha256;
  }

  /** The projected files of one dataset, from all of its events and only them. */
  dataset(events: readonly LedgerEvent[]): ProjectedFile[] {
    const runs = new Map<string, LedgerEvent[]>();
    const captures: LedgerEvent[] = [];
    const published: LedgerEvent[] = [];
    for (const event of events) {
      const run = runs.get(event.run_id);
      if (run === undefined) runs.set(event.run_id, [event]);
      else run.push(event);
      if (isType(event, 'raw.captured')) captures.push(event);
      if (isType(event, 'version.published')) published.push(event);
    }
    const datasetId = events[0]?.dataset_id;
    if (datasetId === undefined) return [];
    const files = captures.length > 0 ? rawProjectionFiles(datasetId, captures) : [];
    const promotions: Promotion[] = [];
    for (const run of runs.values()) {
      files.push(...runReceiptFiles(run, published, this.#sha256, isBackfillRun(run) ? events : undefined));
      const anchor = run.findLast((e) => isType(e, 'version.published') || isType(e, 'version.reused'));
      if (anchor !== undefined) promotions.push({ seq: anchor.seq, run });
    }
    promotions.sort((a, b) => a.seq - b.seq);
    const catalogs = datasetCatalogFiles(promotions, published);
    // Loops, not spread: a dataset of many versions would overflow the argument stack.
    for (const file of catalogs.files) files.push(file);
    if (catalogs.dcat !== null) {
      this.#dcat.push({ firstSeq: published[0]!.seq, datasetId, file: catalogs.dcat });
      const last = catalogs.lastSeq!;
      if (this.#lastCatalog === null || last > this.#lastCatalog.seq)
        this.#lastCatalog = { seq: last, datasetId };
    }
    return files;
  }

  /**
   * data/catalog/dcat/catalog.json as the latest promotion of any dataset left it (none: nothing).
   * By then every version was published (each is its run's promotion, or before it), so each
   * dataset's entry is the DCAT dataset its own latest promotion wrote.
   */
  finish(): ProjectedFile[] {
    const last = this.#lastCatalog;
    if (last === null) return [];
    const ordered = [...this.#dcat].sort((a, b) => a.firstSeq - b.firstSeq);
    const others = ordered
      .filter((d) => d.datasetId !== last.datasetId)
      .map((d) => d.file.document as DcatDataset);
    const promoted = ordered.find((d) => d.datasetId === last.datasetId)!;
    return [catalogFile(dataCatalogFile(others, promoted.file))];
  }
}

interface Promotion {
  /** Its last version.published or version.reused: the promotion planned catalogs right after it. */
  seq: number;
  run: readonly LedgerEvent[];
}

/**
 * The catalogs of one dataset as its promotions (seq order) left them, each path from the latest
 * promotion that wrote it. Every promotion rewrote the DCAT dataset and, when spatial, the STAC
 * files of every version so far, so walking back from the latest, each is planned once — not once
 * per promotion, which grew with the square of the versions. Only each run's PROV is its own.
 * `lastSeq`: the latest promotion that wrote any (one with a version published by then), and `dcat`
 * the DCAT dataset it wrote.
 */
function datasetCatalogFiles(
  promotions: readonly Promotion[],
  published: readonly LedgerEvent[],
): { files: ProjectedFile[]; lastSeq: number | null; dcat: CatalogFile | null } {
  const files: ProjectedFile[] = [];
  let lastSeq: number | null = null;
  let dcat: CatalogFile | null = null;
  let stacPlanned = false;
  let known = published.length;
  for (const { seq, run } of [...promotions].reverse()) {
    while (known > 0 && published[known - 1]!.seq > seq) known--;
    // No version yet: the promotion had nothing to catalog and wrote nothing.
    if (known === 0) continue;
    const datasetId = run[0]!.dataset_id;
    const spatial = Boolean(projectCatalogInput([published[known - 1]!])!.entry.spatial);
    if (lastSeq === null || (spatial && !stacPlanned)) {
      const input = projectCatalogInput(published.slice(0, known))!;
      if (lastSeq === null) {
        dcat = dcatDatasetFile(input);
        // The data catalog owns that path (see DATA_CATALOG_PATH).
        if (dcat.path !== DATA_CATALOG_PATH) files.push(catalogFile(dcat));
      }
      if (spatial) files.push(...stacFiles(input).map(catalogFile));
      stacPlanned ||= spatial;
    }
    lastSeq ??= seq;
    files.push(catalogFile(provFile(datasetId, run)));
  }
  return { files, lastSeq, dcat };
}

const catalogFile = (file: CatalogFile): ProjectedFile => ({
  zone: 'catalog',
  path: file.path,
  content: renderReceipt(file.document),
});

/**
 * Every projected file of a ledger held in memory (tests, small ledgers): `LedgerProjection` over
 * its datasets, sorted by path.
 */
export function projectAllFiles(events: readonly LedgerEvent[], sha256: Sha256Hex): ProjectedFile[] {
  const byDataset = new Map<string, LedgerEvent[]>();
  for (const event of events) {
    const list = byDataset.get(event.dataset_id);
    if (list === undefined) byDataset.set(event.dataset_id, [event]);
    else list.push(event);
  }
  const projection = new LedgerProjection(sha256);
  const files = [...byDataset.values()].flatMap((list) => projection.dataset(list));
  return sortFiles([...files, ...projection.finish()]);
}

/** By zone, then path: the order drift is reported in. */
export function sortFiles<F extends Pick<ProjectedFile, 'zone' | 'path'>>(files: F[]): F[] {
  const key = (f: F) => `${f.zone}/${f.path}`;
  return files.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** Whether a run is a backfill parent, whose record lists windows found in its child runs. */
export function isBackfillRun(runEvents: readonly LedgerEvent[]): boolean {
  return runEvents.some((e) => isType(e, 'run.started') && e.payload.stage === 'backfill');
}
