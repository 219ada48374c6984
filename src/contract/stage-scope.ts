import type { KnownEventType, PayloadOf } from '../events/index.js';
import { failpoint } from '../failpoints.js';
import type { LedgerDoor } from '../ledger/ledger-door.js';
import { type LedgerEvent, readEvents } from '../projections/ledger-event.js';
import type { DatasetEntry } from '../registry/dataset-entry.js';
import type { RunLimits } from '../upstream/run-upstream.js';
import type { UpstreamClient } from '../upstream/upstream-client.js';
import type { ZoneLayout } from '../zones/zone-layout.js';
import type { ZoneWriter } from '../zones/zone-writer.js';
import type { ConnectorDefinition } from './define-connector.js';
import type { StageLog } from './stage-log.js';
import type { StageRequest } from './stage-types.js';

/** How a child run ended (backfill runs ingest and validate per window as child runs). */
export interface ChildOutcome {
  run_id: string;
  status: string;
  exit: number;
  [fact: string]: unknown;
}

/** Everything a stage body may use: its zones, its ledger recorder, its run's history. */
export interface StageScope {
  request: StageRequest;
  run_id: string;
  /** Seq of this stage's run.started: what happened before it is the stage's input. */
  started_seq: number;
  entry: DatasetEntry | null;
  connector: ConnectorDefinition;
  layout: ZoneLayout;
  /** Permits only the stage's zones (the seed's "Zone write scope"). */
  writer: ZoneWriter;
  upstream: UpstreamClient;
  upstream_uri: string | undefined;
  config: Record<string, unknown>;
  log: StageLog;
  record<T extends KnownEventType>(type: T, payload: PayloadOf<T>): Promise<number>;
  runEvents(): Promise<LedgerEvent[]>;
  datasetEvents(type: KnownEventType): Promise<LedgerEvent[]>;
  /** Events of one type across every dataset (the data.json catalog lists them all). */
  ledgerEvents(type: KnownEventType): Promise<LedgerEvent[]>;
  /** The run's rate limit and retry budget, shared by every request of the run and its child runs. */
  limits: RunLimits;
  /** Runs another stage of this dataset in this process, on this ledger and these limits. */
  runChild(request: StageRequest): Promise<ChildOutcome>;
  /** Runs a killed stage of the dataset left open, closed (INTERRUPTED) before this one started. */
  recovered: readonly string[];
  /** Where a progress line may be drawn: stderr on a terminal without --log_json, else null. */
  progress: ((text: string) => void) | null;
}

export interface Recorder {
  ledger: LedgerDoor;
  dataset_id: string;
  run_id: string;
  scrub: <T>(value: T) => T;
}

/** Appends one event of this run (secrets scrubbed) and returns its seq; a failpoint either side. */
export async function recordEvent(
  recorder: Recorder,
  type: string,
  payload: Record<string, unknown>,
): Promise<number> {
  failpoint(`event/${type}/before`);
  const { head } = await recorder.ledger.append([
    { type, dataset_id: recorder.dataset_id, run_id: recorder.run_id, payload: recorder.scrub(payload) },
  ]);
  failpoint(`event/${type}/after`);
  return head.seq;
}

export function readRunEvents(ledger: LedgerDoor, datasetId: string, runId: string): Promise<LedgerEvent[]> {
  return readEvents(ledger, { dataset_id: datasetId, run_id: runId });
}

export function readEventsOfType(ledger: LedgerDoor, type: KnownEventType): Promise<LedgerEvent[]> {
  return readEvents(ledger, { type });
}

export function readDatasetEvents(
  ledger: LedgerDoor,
  datasetId: string,
  type: KnownEventType,
): Promise<LedgerEvent[]> {
  return readEvents(ledger, { dataset_id: datasetId, type });
}
/** How a stage body ended; run-stage records it as run.completed. */
export interface StageResult {
  status: PayloadOf<'run.completed'>['status'];
  error?: PayloadOf<'run.completed'>['error'];
  summary: Record<string, unknown>;
}
