import { chmodSync, type Dirent, readdirSync, rmSync } from 'node:fs';
import { KfmError } from '../errors.js';
import type { DatasetLock } from '../ledger/dataset-lock.js';
import type { LedgerDoor } from '../ledger/ledger-door.js';
import { nodeSha256Hex } from '../ledger/node-hasher.js';
import { isType, type LedgerEvent, readEvents } from '../projections/ledger-event.js';
import type { Zone, ZoneLayout } from '../zones/zone-layout.js';
import { createZoneWriter, type ZoneWriter } from '../zones/zone-writer.js';
import { windowEvents } from './backfill/ingest-window.js';
import { findDrift } from './check-projections.js';
import { LedgerProjection, type ProjectedFile } from './projected-files.js';
import { DATA_CATALOG_PATH } from './promotion/catalog-files.js';
import { removeStaleStaging } from './promotion/publish-version.js';
import { writeRawProjections } from './receipts.js';
import { readDatasetEvents, recordEvent } from './stage-scope.js';
import { datasetZones } from './zone-record.js';

/** A stage run with run.started and no run.completed after it. */
export interface OpenRun {
  run_id: string;
  stage: string;
  parent_run_id: string | undefined;
}

export interface RecoveryRequest {
  ledger: LedgerDoor;
  datasetId: string;
  /** The root: the dataset's zones are where its runs recorded them (zone-record.ts), not a stage's flags. */
  root: string;
  /** Who recovers, for the INTERRUPTED message: "kfm recover", "promote run 01J…". */
  by: string;
  /**
   * The dataset's lock, held: when `stale` it was taken over from a process that is gone, which may
   * have died writing receipts (`takenOver` names it when its record was readable).
   */
  lock: Pick<DatasetLock, 'stale' | 'takenOver' | 'removed'>;
  warn: (text: string) => void;
}

export interface RecoveryReport {
  dataset_id: string;
  /** The runs closed with INTERRUPTED, children before their parents. */
  closed: { run_id: string; stage: string }[];
  /** What was removed, relative to its zone (`raw:ks_x/.a.csv.0123456789ab.tmp`). */
  removed: string[];
  /** Projected files (receipts, manifests, catalogs) rewritten from the events. */
  rewritten: string[];
}

/** `.<name>.<12 hex>.tmp`: the temp files of writeAtomically (atomic-write.ts). */
const TEMP_FILE = /^\..+\.[0-9a-f]{12}\.tmp$/;
const VERSION_FOLDER = /^v[0-9a-f]{16}$/;

/**
 * Runs left open by a process that is gone: the caller holds the dataset's lock, and every stage
 * holds it while it runs, so no open run of the dataset can still be running. Read → plan → write:
 * first the files such a process leaves (atomic-write temps, promotion staging, captures and version
 * folders no event records), so a crash during recovery leaves nothing a rerun would not remove
 * again; then the raw manifest of an interrupted ingest, recorded inside that run as the runtime
 * would; then `run.completed {status: failed, error: INTERRUPTED}` for each run, children before
 * parents; last the projected files those runs affect (their receipts, the raw manifest after an
 * ingest, the catalogs after a promotion) are rewritten where they differ from the events, so
 * `verify --deep` is clean and a rerun starts at once. Only files a crash can have left behind are
 * rewritten: a receipt changed by hand while no stage crashed is still the gate's RECEIPT_INVALID.
 */
export async function recoverDataset(request: RecoveryRequest): Promise<RecoveryReport> {
  const { ledger, datasetId: ds } = request;
  // A killed run wrote where the dataset's zones are (--processed_dir alt/processed …), which the
  // stage now recovering need not name: it may take other zone flags, or be `kfm recover`.
  const layout = await datasetZones(ledger, request.root, ds);
  const writer = createZoneWriter(layout, ['raw', 'work', 'processed', 'catalog'], {
    stage: 'recovery',
  });
  // Only the run boundaries: this runs before every stage, and a dataset may hold millions of events.
  const runs = await windowEvents((type) => readDatasetEvents(ledger, ds, type));
  const open = openRuns(runs);
  const removed = [...(await removeLeftovers(request, writer, open)), ...request.lock.removed];
  for (const path of removed) {
    const what = path.includes('/.staging-')
      ? 'stale staging left by an interrupted promotion'
      : 'left by an interrupted stage';
    request.warn(`removed ${path}: ${what}`);
  }
  const recorder = { ledger, dataset_id: ds, scrub: <T>(value: T): T => value };
  const captures = open.some((r) => r.stage === 'ingest')
    ? await readDatasetEvents(ledger, ds, 'raw.captured')
    : [];
  const ingest = open.findLast((r) => r.stage === 'ingest' && captures.some((e) => e.run_id === r.run_id));
  if (ingest !== undefined) {
    // The captures recorded before the kill must be in the manifest; the runtime's own failure
    // path does exactly this inside the failing run.
    await writeRawProjections({
      request: { dataset_id: ds },
      writer,
      datasetEvents: (type) => readDatasetEvents(ledger, ds, type),
      record: (type, payload) => recordEvent({ ...recorder, run_id: ingest.run_id }, type, payload),
    });
  }
  const { takenOver } = request.lock;
  const who =
    takenOver === null
      ? 'its process was killed or crashed'
      : `its process (pid ${takenOver.pid} on ${takenOver.host}) is gone`;
  for (const run of open) {
    await recordEvent({ ...recorder, run_id: run.run_id }, 'run.completed', {
      status: 'failed',
      error: {
        code: 'INTERRUPTED',
        message: `the ${run.stage} stage stopped before it completed: ${who}; ${request.by} closed it`,
      },
    });
    request.warn(`closed run ${run.run_id} (${run.stage}) as failed with INTERRUPTED`);
  }
  const affected = new Set(open.map((r) => `${ds}/runs/${r.run_id}/`));
  const last = runs.findLast((e) => isType(e, 'run.completed'));
  // A process killed while writing the receipts of the run it had just completed left its lock.
  if (request.lock.stale && last !== undefined) affected.add(`${ds}/runs/${last.run_id}/`);
  const zones = {
    work: affected.size > 0,
    raw: open.some((r) => r.stage === 'ingest'),
    catalog: open.some((r) => r.stage === 'promote'),
  };
  const files = !zones.work
    ? []
    : (await datasetProjections(ledger, ds, zones.catalog)).filter((f) =>
        f.zone === 'work' ? [...affected].some((dir) => f.path.startsWith(dir)) : zones[f.zone],
      );
  const rewritten: string[] = [];
  for (const drift of await findDrift(layout, files)) {
    await writer.writeFile(drift.file.zone, drift.file.path, drift.file.content);
    rewritten.push(drift.path);
  }
  for (const path of rewritten) request.warn(`rewrote ${path} from the ledger`);
  return {
    dataset_id: ds,
    closed: open.map((r) => ({ run_id: r.run_id, stage: r.stage })),
    removed,
    rewritten,
  };
}

/** Open stage runs in closing order: a backfill's child windows before the backfill itself. */
export function openRuns(events: readonly LedgerEvent[]): OpenRun[] {
  const open = new Map<string, OpenRun>();
  for (const event of events) {
    if (isType(event, 'run.started')) {
      const { stage, parent_run_id } = event.payload;
      open.set(event.run_id, { run_id: event.run_id, stage, parent_run_id });
    } else if (isType(event, 'run.completed')) open.delete(event.run_id);
  }
  return [...open.values()].sort((a, b) => Number(a.stage === 'backfill') - Number(b.stage === 'backfill'));
}

async function removeLeftovers(
  request: RecoveryRequest,
  writer: ZoneWriter,
  open: readonly OpenRun[],
): Promise<string[]> {
  const ds = request.datasetId;
  const removed: string[] = [];
  const events = async (type: 'raw.captured' | 'version.published') =>
    (await readDatasetEvents(request.ledger, ds, type)).map(
      (e) => e.payload as { path: string; version_id: string },
    );
  const remove = (zone: Zone, rel: string): void => {
    const path = writer.resolve(zone, rel);
    // A version folder is made read-only (0555) once whole: its files cannot be unlinked until it is writable.
    chmodSync(path, 0o755);
    rmSync(path, { recursive: true, force: true });
    removed.push(`${zone}:${rel}`);
  };
  const datasetFolders: [Zone, string][] = [
    ['raw', ds],
    ['work', ds],
    ['processed', ds],
    ['catalog', `prov/${ds}`],
    ['catalog', `stac/${ds}`],
  ];
  for (const [zone, rel] of datasetFolders) {
    for (const temp of findTemps(writer, zone, rel)) removed.push(removeFile(writer, zone, temp));
  }
  for (const name of listNames(writer, 'catalog', 'dcat')) {
    if (name.startsWith(`.${ds}.json.`) && TEMP_FILE.test(name))
      removed.push(removeFile(writer, 'catalog', `dcat/${name}`));
  }
  if (confined(writer, 'processed', ds) !== undefined)
    for (const name of removeStaleStaging(writer, ds)) removed.push(`processed:${ds}/${name}`);
  const interrupted = open.filter((r) => r.stage === 'ingest');
  const recordedCaptures = new Set(
    interrupted.length === 0 ? [] : (await events('raw.captured')).map((p) => p.path),
  );
  for (const run of interrupted) {
    for (const name of listNames(writer, 'raw', `${ds}/${run.run_id}`)) {
      if (!recordedCaptures.has(`${run.run_id}/${name}`)) remove('raw', `${ds}/${run.run_id}/${name}`);
    }
  }
  if (open.some((r) => r.stage === 'promote')) {
    // Renamed into place just before the kill, before version.published: the rerun writes it again.
    const published = new Set((await events('version.published')).map((p) => p.version_id));
    for (const name of listNames(writer, 'processed', ds)) {
      if (VERSION_FOLDER.test(name) && !published.has(name)) remove('processed', `${ds}/${name}`);
    }
  }
  return removed;
}

/**
 * The shared data catalog's temp file (dcat/.catalog.json.….tmp) may belong to a promotion of any
 * dataset: only `kfm recover` without a dataset, holding every dataset's lock, removes it.
 */
export function removeSharedTemps(layout: ZoneLayout): string[] {
  const writer = createZoneWriter(layout, ['catalog'], { stage: 'recovery' });
  const prefix = `.${DATA_CATALOG_PATH.split('/').at(-1)}.`;
  return listNames(writer, 'catalog', 'dcat')
    .filter((name) => name.startsWith(prefix) && TEMP_FILE.test(name))
    .map((name) => removeFile(writer, 'catalog', `dcat/${name}`));
}

function removeFile(writer: ZoneWriter, zone: Zone, rel: string): string {
  rmSync(writer.resolve(zone, rel), { force: true });
  return `${zone}:${rel}`;
}

function listNames(writer: ZoneWriter, zone: Zone, rel: string): string[] {
  return listEntries(writer, zone, rel).map((e) => e.name);
}

/**
 * The entries of a confined folder; none where it is missing or a symlink leads out of the zone —
 * recovery never follows one, and the stage's own check then refuses it with PATH_UNSAFE.
 */
function listEntries(writer: ZoneWriter, zone: Zone, rel: string): Dirent[] {
  const dir = confined(writer, zone, rel);
  if (dir === undefined) return [];
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

function confined(writer: ZoneWriter, zone: Zone, rel: string): string | undefined {
  try {
    return writer.resolve(zone, rel);
  } catch (error) {
    if (error instanceof KfmError && error.code === 'PATH_UNSAFE') return undefined;
    throw error;
  }
}

/** Temp files below `rel` (relative to the zone), at any depth; symlinked folders are not followed. */
function findTemps(writer: ZoneWriter, zone: Zone, rel: string): string[] {
  const found: string[] = [];
  const walk = (sub: string): void => {
    for (const entry of listEntries(writer, zone, sub)) {
      if (entry.isDirectory()) walk(`${sub}/${entry.name}`);
      else if (entry.isFile() && TEMP_FILE.test(entry.name)) found.push(`${sub}/${entry.name}`);
    }
  };
  walk(rel);
  return found;
}

/** Every projected file of the dataset; the shared data catalog too after an interrupted promotion. */
async function datasetProjections(
  ledger: LedgerDoor,
  datasetId: string,
  promotion: boolean,
): Promise<ProjectedFile[]> {
  const projection = new LedgerProjection(nodeSha256Hex);
  const read = (id: string) => readEvents(ledger, { dataset_id: id });
  const files = projection.dataset(await read(datasetId));
  if (promotion) {
    for (const other of await ledger.datasetIds())
      if (other !== datasetId) projection.dataset(await read(other));
    files.push(...projection.finish());
  }
  return files;
}
