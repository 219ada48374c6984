import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { displayPath, findDrift, findRowDrift, sortRowDrift } from '../contract/check-projections.js';
import { LedgerProjection, type ProjectedFile, sortFiles } from '../contract/projected-files.js';
import { recordedZones } from '../contract/zone-record.js';
import { checkEnvelope } from '../events/index.js';
import { nodeEventHasher, nodeSha256Hex } from '../ledger/node-hasher.js';
import type { ChainHead } from '../ledger/pure/seal-events.js';
import {
  type ChainFailure,
  type ChainReport,
  ChainVerifier,
  type StoredRow,
} from '../ledger/pure/verify-chain.js';
import type { ProjectionRows } from '../ledger/read-models.js';
import type { AuditFailure } from '../projections/audit-failure.js';
import type { LedgerEvent } from '../projections/ledger-event.js';
import type { RowDrift } from '../projections/projection-drift.js';
import { ZONES, type ZoneLayout } from '../zones/zone-layout.js';
import { checkCatalogFiles } from './check-catalog-files.js';
import { checkProcessedDataset, checkProcessedZone } from './check-processed-files.js';
import { checkRawDataset, checkRawZone } from './check-raw-files.js';
import { checkReceiptDocument, checkReceiptSchema, receiptSchemaOf } from './check-receipt-schemas.js';
import { checkTempFiles } from './check-temp-files.js';
import { FileExpectations } from './file-expectations.js';
import { NO_PROGRESS, type Progress } from './progress-bar.js';
import { InvariantChecker } from './replay-invariants.js';

export interface DeepReport extends Omit<ChainReport, 'failures'> {
  /** Files hashed or compared with their replay. */
  files: number;
  failures: (ChainFailure | AuditFailure)[];
}

/** What the pass over the whole ledger yields: findings only, never its events. */
export interface LedgerScan {
  chain: ChainReport;
  invariants: AuditFailure[];
  invariantsOmitted: number;
}

export interface ScanOptions {
  /** The head seq, for the progress bar. */
  total: number;
  anchors?: readonly ChainHead[];
  progress?: Progress;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * One streaming pass: the chain check of `kfm verify` and the replay invariants. A row the chain
 * check finds unreadable or schema-invalid is reported there and kept out of the invariants, which
 * trust the vocabulary.
 */
export async function scanLedger(
  rows: Iterable<StoredRow> | AsyncIterable<StoredRow>,
  options: ScanOptions,
): Promise<LedgerScan> {
  const progress = options.progress ?? NO_PROGRESS;
  const chain = new ChainVerifier({ hasher: nodeEventHasher, anchors: options.anchors ?? [] });
  const invariants = new InvariantChecker(nodeSha256Hex);
  let done = 0;
  for await (const row of rows) {
    chain.push(row);
    const event = decodeValid(row);
    if (event !== undefined) invariants.push(event);
    progress.update('events verified', ++done, options.total);
  }
  return {
    chain: chain.finish(),
    invariants: invariants.finish(),
    invariantsOmitted: invariants.omitted,
  };
}

/** The events of `rows` that satisfy their schema: what the invariants and projections see. */
export async function readValid(
  rows: Iterable<StoredRow> | AsyncIterable<StoredRow>,
): Promise<LedgerEvent[]> {
  const events: LedgerEvent[] = [];
  for await (const row of rows) {
    const event = decodeValid(row);
    if (event !== undefined) events.push(event);
  }
  return events;
}

function decodeValid(row: StoredRow): LedgerEvent | undefined {
  try {
    const envelope: unknown = JSON.parse(decoder.decode(row.body));
    if (checkEnvelope(envelope).length > 0) return undefined;
    // Set in place rather than spread into a copy: this runs once per event of the ledger.
    const event = envelope as LedgerEvent;
    event.hash = row.hash;
    return event;
  } catch {
    return undefined;
  }
}

/** A ledger as the file checks read it: a dataset at a time. */
export interface DatasetEvents {
  /** Every dataset with an event. */
  datasetIds: readonly string[];
  /** The dataset's events that satisfy their schema, in seq order. */
  read(datasetId: string): Promise<LedgerEvent[]>;
  /** The projection tables (null: a ledger of a schema before them, which has none to compare). */
  tables: {
    rows(datasetId: string): Promise<ProjectionRows>;
    datasetIds(): Promise<string[]>;
  } | null;
}

/**
 * Raw and processed files against their events, receipts and catalogs against their replay, the
 * projection tables row by row against theirs: one dataset at a time, so memory follows the
 * largest dataset and not the ledger. Then the catalog zone against every catalog recorded or
 * replayed, and every zone for crash leftovers. Findings come in the order of one pass per check:
 * raw, processed, catalog, leftovers, then projections by path and table rows by table and key.
 */
export async function checkFiles(
  layout: ZoneLayout,
  ledger: DatasetEvents,
  progress: Progress = NO_PROGRESS,
): Promise<{ files: number; failures: AuditFailure[] }> {
  const rawZone = await checkRawZone(layout);
  const processedZone = await checkProcessedZone(layout);
  const raw = rawZone.failures;
  const processed = processedZone.failures;
  const projected = new ProjectionCheck();
  const rowDrift: RowDrift[] = [];
  const catalogs = new Set<string>();
  const known = new Set(ledger.datasetIds);
  // A folder or table row of a dataset the ledger never heard of is checked as one with no events.
  const datasets = [
    ...new Set([
      ...known,
      ...rawZone.datasets,
      ...processedZone.datasets,
      ...((await ledger.tables?.datasetIds()) ?? []),
    ]),
  ].sort();
  let files = 0;
  const tick = () => files++;
  const movedZones: ZoneLayout[] = [];
  for (const [done, datasetId] of datasets.entries()) {
    const events = known.has(datasetId) ? await ledger.read(datasetId) : [];
    const expectations = new FileExpectations();
    for (const event of events) expectations.push(event);
    for (const path of expectations.catalogs) catalogs.add(path);
    // Where the dataset's runs put its zones (--raw_dir …, zone-record.ts); its default folders
    // must then hold nothing.
    const zones = recordedZones(layout.root, events);
    if (ZONES.some((zone) => zones[zone] !== layout[zone])) movedZones.push(zones);
    const recorded = expectations.raw.get(datasetId) ?? new Map();
    for (const f of await checkRawDataset(zones, datasetId, recorded, tick)) raw.push(f);
    if (zones.raw !== layout.raw)
      for (const f of await checkRawDataset(layout, datasetId, new Map(), tick)) raw.push(f);
    const versions = expectations.versions.get(datasetId) ?? new Map();
    for (const f of await checkProcessedDataset(zones, datasetId, versions, tick)) processed.push(f);
    if (zones.processed !== layout.processed)
      for (const f of await checkProcessedDataset(layout, datasetId, new Map(), tick)) processed.push(f);
    await projected.compare(() => projected.projection.dataset(events), datasetId, zones);
    if (ledger.tables !== null)
      for (const d of findRowDrift(await ledger.tables.rows(datasetId), events).drift) rowDrift.push(d);
    progress.update('datasets checked', done + 1, datasets.length);
  }
  await projected.compare(() => projected.projection.finish(), 'the data catalog', layout);
  for (const path of projected.catalogs) catalogs.add(path);
  const failures = [
    ...projected.unreplayable,
    ...raw,
    ...processed,
    ...(await checkCatalogFiles(layout, catalogs)),
    ...(await checkTempFiles([layout, ...movedZones])),
    ...projected.drift(),
    ...sortRowDrift(rowDrift).map(rowFailure),
  ];
  return { files: files + projected.files, failures };
}

/** A table row that differs from its replay, named by table and key as `kfm replay --check` names it. */
function rowFailure(drift: RowDrift): AuditFailure {
  const what =
    drift.found_sha256 === null
      ? 'is missing'
      : drift.expected_sha256 === null
        ? 'has no event behind it'
        : 'differs from its replay of the ledger';
  return {
    code: 'PROJECTION_ROW_DRIFT',
    table: drift.table,
    key: drift.key,
    message: `row ${drift.key} of table ${drift.table} ${what}: \`kfm replay\` rebuilds the tables from the events`,
    expected_sha256: drift.expected_sha256,
    found_sha256: drift.found_sha256,
  };
}

/** Receipts and catalogs against their replay, with the very comparison `kfm replay --check` makes. */
class ProjectionCheck {
  readonly projection = new LedgerProjection(nodeSha256Hex);
  readonly #drift: (AuditFailure & { file: ProjectedFile })[] = [];
  readonly unreplayable: AuditFailure[] = [];
  /** Every path of the catalog zone the replay renders (relative to data/catalog/). */
  readonly catalogs = new Set<string>();
  files = 0;

  /** `layout`: the zones of the dataset whose files these are. */
  async compare(project: () => ProjectedFile[], what: string, layout: ZoneLayout): Promise<void> {
    let files: ProjectedFile[];
    try {
      files = project();
    } catch (error) {
      this.unreplayable.push({
        code: 'PROJECTION_UNREPLAYABLE',
        message: `receipts and catalogs of ${what} cannot be rebuilt from the events: ${(error as Error).message}`,
      });
      return;
    }
    this.files += files.length;
    for (const file of files) if (file.zone === 'catalog') this.catalogs.add(file.path);
    const drifted = new Map((await findDrift(layout, files)).map((d) => [d.file, d]));
    for (const file of files) {
      const drift = drifted.get(file);
      if (drift !== undefined) {
        this.#drift.push({
          path: drift.path,
          code: 'PROJECTION_DRIFT',
          message: `differs from its replay of the ledger${drift.found_sha256 === null ? ' (missing)' : ''}`,
          expected_sha256: drift.expected_sha256,
          found_sha256: drift.found_sha256,
          file,
        });
      }
      for (const invalid of await this.#schemaFailures(
        file,
        drift !== undefined && drift.found_sha256 !== null,
        layout,
      )) {
        this.#drift.push({ ...invalid, file });
      }
    }
  }

  /**
   * RECEIPT_SCHEMA_INVALID says what PROJECTION_DRIFT cannot: which field of a drifted receipt on
   * disk no reader can rely on, and — for every receipt — whether the replay itself breaks the
   * schema (events the vocabulary accepts yet no valid receipt can be built from). A receipt equal
   * to a valid replay is valid, so only drifted ones are read back.
   */
  async #schemaFailures(
    file: ProjectedFile,
    driftedOnDisk: boolean,
    layout: ZoneLayout,
  ): Promise<AuditFailure[]> {
    const schema = receiptSchemaOf(file);
    if (schema === undefined) return [];
    const path = displayPath(layout, file);
    const replay =
      file.document === undefined
        ? checkReceiptSchema(schema, path, file.content, 'replay')
        : checkReceiptDocument(schema, path, file.document, 'replay');
    if (!driftedOnDisk) return replay === null ? [] : [replay];
    const onDisk = await readFile(join(layout[file.zone], file.path), 'utf8').then(
      (content) => checkReceiptSchema(schema, path, content, 'file'),
      () => null,
    );
    return [replay, onDisk].filter((f) => f !== null);
  }

  /** By zone and path, whatever order the datasets came in. */
  drift(): AuditFailure[] {
    const drift = sortFiles(this.#drift.map((d) => ({ ...d.file, failure: d }))).map(
      ({ failure: { file: _, ...f } }) => f,
    );
    return drift;
  }
}

/** Chain failures first, then invariants by seq, then files by path; at most `maxFailures` kept. */
export function deepReport(
  scan: LedgerScan,
  files: { files: number; failures: AuditFailure[] },
  maxFailures = 1000,
): DeepReport {
  const all = [...scan.chain.failures, ...scan.invariants, ...files.failures];
  const kept = all.slice(0, maxFailures);
  const omitted =
    scan.chain.failures_omitted + scan.invariantsOmitted + Math.max(0, all.length - kept.length);
  return {
    ok: kept.length === 0 && omitted === 0,
    events: scan.chain.events,
    head: scan.chain.head,
    files: files.files,
    failures: kept,
    failures_omitted: omitted,
  };
}
