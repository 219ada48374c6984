import { type Drift, findDrift, findRowDrift, sortRowDrift } from '../contract/check-projections.js';
import { LedgerProjection, type ProjectedFile, sortFiles } from '../contract/projected-files.js';
import { recordedZones } from '../contract/zone-record.js';
import { KfmError } from '../errors.js';
import type { LedgerDoor } from '../ledger/ledger-door.js';
import { nodeSha256Hex } from '../ledger/node-hasher.js';
import { type LedgerEvent, readEvents } from '../projections/ledger-event.js';
import type { RowDrift } from '../projections/projection-drift.js';
import type { ZoneLayout } from '../zones/zone-layout.js';
import { createZoneWriter } from '../zones/zone-writer.js';

export interface ReplayReport {
  ok: boolean;
  events: number;
  files: number;
  /** Files rewritten because they differed from their replay (0 with --check). */
  rewritten: number;
  drift: Drift[];
  rows: number;
  /** Table rows that differed before the tables were rebuilt (0 with --check). */
  rows_rewritten: number;
  row_drift: RowDrift[];
}

/**
 * `kfm replay [--check]`: every projection rebuilt from the events alone, compared byte for byte with
 * the files on disk and row by row with the projection tables. Without `check` the tables are first
 * rebuilt and drifted files rewritten (receipts, raw manifests and checksums, catalogs; never raw or
 * processed data, never the events).
 *
 * One dataset at a time, read by the ledger's dataset index: its events are projected, compared and
 * dropped before the next is read, so memory follows the largest dataset, not the ledger.
 */
export async function replayProjections(
  ledger: LedgerDoor,
  layout: ZoneLayout,
  check: boolean,
): Promise<ReplayReport> {
  // Rows of a dataset the ledger lacks are drift too: they have no event behind them.
  const datasets = [
    ...new Set([...(await ledger.datasetIds()), ...(await ledger.projectionDatasetIds())]),
  ].sort();
  const read = (datasetId: string): Promise<LedgerEvent[]> => readEvents(ledger, { dataset_id: datasetId });
  const rowDrift = async (id: string, events: readonly LedgerEvent[]) =>
    findRowDrift(await ledger.projectionRows(id), events);
  let rows_rewritten = 0;
  if (!check) {
    // The tables are caches, never the truth: emptied and refilled; the count is what that repaired.
    for (const id of datasets) rows_rewritten += (await rowDrift(id, await read(id))).drift.length;
    await ledger.rebuildProjections();
  }
  const files = new FileReplay(check);
  const projection = new LedgerProjection(nodeSha256Hex);
  const row_drift: RowDrift[] = [];
  let events = 0;
  let rows = 0;
  for (const id of datasets) {
    const list = await read(id);
    events += list.length;
    // Each dataset's files where its runs put its zones (--raw_dir …, zone-record.ts).
    await files.compare(
      projectOrRefuse(id, () => projection.dataset(list)),
      recordedZones(layout.root, list),
    );
    const tableReplay = await rowDrift(id, list);
    rows += tableReplay.rows;
    for (const d of tableReplay.drift) row_drift.push(d);
  }
  await files.compare(
    projectOrRefuse(null, () => projection.finish()),
    layout,
  );
  const drift = files.drift();
  return {
    ok: drift.length === 0 && row_drift.length === 0,
    events,
    files: files.count,
    rewritten: files.rewritten,
    drift,
    rows,
    rows_rewritten,
    row_drift: sortRowDrift(row_drift),
  };
}

/**
 * Events the vocabulary accepts can still be ones no receipt or catalog renders from (a forged
 * registry snapshot with no date, say): an integrity failure naming the dataset, as verify --deep's
 * PROJECTION_UNREPLAYABLE, not a bare error from inside a renderer.
 */
function projectOrRefuse(datasetId: string | null, project: () => ProjectedFile[]): ProjectedFile[] {
  try {
    return project();
  } catch (error) {
    throw new KfmError(
      'PROJECTION_UNREPLAYABLE',
      `receipts and catalogs of ${datasetId ?? 'the data catalog'} cannot be rebuilt from the events: ${(error as Error).message}; \`kfm verify --deep\` lists every finding`,
      { details: datasetId === null ? {} : { dataset_id: datasetId }, cause: error },
    );
  }
}

/** Projected files against the disk, rewriting those that differ unless it only checks. */
class FileReplay {
  readonly #check: boolean;
  readonly #drift: (Drift & { file: ProjectedFile })[] = [];
  count = 0;
  rewritten = 0;

  constructor(check: boolean) {
    this.#check = check;
  }

  /** `layout`: the zones of the dataset whose files these are. */
  async compare(files: readonly ProjectedFile[], layout: ZoneLayout): Promise<void> {
    this.count += files.length;
    const writer = this.#check ? null : createZoneWriter(layout, ['raw', 'work', 'catalog']);
    for (const found of await findDrift(layout, files)) {
      if (writer === null) {
        this.#drift.push(found);
        continue;
      }
      await writer.writeFile(found.file.zone, found.file.path, found.file.content);
      this.rewritten++;
      // Whatever a rewrite could not fix (a read-only file, a folder in the way) is still drift.
      this.#drift.push(...(await findDrift(layout, [found.file])));
    }
  }

  /** By zone and path, whatever order the datasets came in. */
  drift(): Drift[] {
    const byFile = sortFiles(this.#drift.map((d) => ({ ...d.file, drift: d })));
    return byFile.map(({ drift: { file: _, ...d } }) => d);
  }
}
