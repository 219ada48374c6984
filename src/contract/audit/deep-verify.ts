import { checkEnvelope } from '../../events/index.js';
import { nodeEventHasher, nodeSha256Hex } from '../../ledger/node-hasher.js';
import type { ChainHead } from '../../ledger/pure/seal-events.js';
import {
  type ChainFailure,
  type ChainReport,
  ChainVerifier,
  type StoredRow,
} from '../../ledger/pure/verify-chain.js';
import type { LedgerEvent } from '../../projections/ledger-event.js';
import type { ZoneLayout } from '../../zones/zone-layout.js';
import { type ProjectedFile, projectAllFiles } from '../projected-files.js';
import { findDrift } from '../replay/check-projections.js';
import type { AuditFailure } from './audit-failure.js';
import { checkProcessedFiles } from './check-processed-files.js';
import { checkRawFiles } from './check-raw-files.js';
import { FileExpectations } from './file-expectations.js';
import { InvariantChecker } from './replay-invariants.js';

/** Where progress goes: a bar on a terminal, nowhere otherwise. */
export interface Progress {
  update(label: string, done: number, total: number): void;
  end(): void;
}

export const NO_PROGRESS: Progress = { update: () => {}, end: () => {} };

export interface DeepReport extends Omit<ChainReport, 'failures'> {
  /** Files hashed or compared with their replay. */
  files: number;
  failures: (ChainFailure | AuditFailure)[];
}

/** What one pass over the ledger yields for the file checks. */
export interface LedgerScan {
  chain: ChainReport;
  invariants: AuditFailure[];
  invariantsOmitted: number;
  expectations: FileExpectations;
  /** Every event that satisfies its schema, for the projections (replay holds them all too). */
  events: LedgerEvent[];
}

export interface ScanOptions {
  /** The head seq, for the progress bar. */
  total: number;
  anchors?: readonly ChainHead[];
  progress?: Progress;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * One streaming pass: the chain check of `kfm verify`, the replay invariants and what the zones
 * should hold. A row the chain check finds unreadable or schema-invalid is reported there and kept
 * out of the invariants, which trust the vocabulary.
 */
export function scanLedger(rows: Iterable<StoredRow>, options: ScanOptions): LedgerScan {
  const progress = options.progress ?? NO_PROGRESS;
  const chain = new ChainVerifier({ hasher: nodeEventHasher, anchors: options.anchors ?? [] });
  const invariants = new InvariantChecker(nodeSha256Hex);
  const expectations = new FileExpectations();
  const events: LedgerEvent[] = [];
  let done = 0;
  for (const row of rows) {
    chain.push(row);
    const event = decodeValid(row);
    if (event !== undefined) {
      invariants.push(event);
      expectations.push(event);
      events.push(event);
    }
    progress.update('events verified', ++done, options.total);
  }
  return {
    chain: chain.finish(),
    invariants: invariants.finish(),
    invariantsOmitted: invariants.omitted,
    expectations,
    events,
  };
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

/** Raw and processed files against their events, receipts and catalogs against their replay. */
export async function checkFiles(
  layout: ZoneLayout,
  scan: LedgerScan,
  progress: Progress = NO_PROGRESS,
): Promise<{ files: number; failures: AuditFailure[] }> {
  const failures: AuditFailure[] = [];
  let projected: ProjectedFile[] = [];
  try {
    projected = projectAllFiles(scan.events, nodeSha256Hex);
  } catch (error) {
    failures.push({
      code: 'PROJECTION_UNREPLAYABLE',
      message: `receipts and catalogs cannot be rebuilt from the events: ${(error as Error).message}`,
    });
  }
  const total = scan.expectations.fileCount() + projected.length;
  let done = 0;
  const tick = () => progress.update('files hashed', ++done, total);
  failures.push(...(await checkRawFiles(layout, scan.expectations, tick)));
  failures.push(...(await checkProcessedFiles(layout, scan.expectations, tick)));
  for (const file of projected) {
    // One at a time, so the bar moves; findDrift is the very comparison `kfm replay --check` makes.
    for (const drift of await findDrift(layout, [file])) {
      failures.push({
        path: drift.path,
        code: 'PROJECTION_DRIFT',
        message: `differs from its replay of the ledger${drift.found_sha256 === null ? ' (missing)' : ''}`,
        expected_sha256: drift.expected_sha256,
        found_sha256: drift.found_sha256,
      });
    }
    tick();
  }
  return { files: done, failures };
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
