import type { LedgerDoor } from '../ledger/ledger-door.js';
import type { RowQueries, RunFilter } from '../ledger/read-models.js';
import { decodeCapture, decodeRun, decodeVersion } from './projection-columns.js';
import type { CaptureRow, RunRow, VersionRow } from './projection-rows.js';

/** The ledger's read-model queries (RowQueries, src/ledger/read-models.ts) with their rows decoded. */
export interface ReadModelQueries {
  runs(filter?: RunFilter): Promise<RunRow[]>;
  datasetKnown: RowQueries['datasetKnown'];
  versions(datasetId: string): Promise<VersionRow[]>;
  versionsById(versionId: string): Promise<VersionRow[]>;
  runsOfVersion(datasetId: string, versionId: string): Promise<RunRow[]>;
  capturesBySha256(sha256: string): Promise<CaptureRow[]>;
  seqOfEventId: RowQueries['seqOfEventId'];
  firstDatasetSeqAfter: RowQueries['firstDatasetSeqAfter'];
}

/**
 * The door's read-model queries, decoded; MIGRATION_REQUIRED when its tables are missing or behind
 * its events (see LedgerDoor.projections).
 */
export async function queryReadModels(door: Pick<LedgerDoor, 'projections'>): Promise<ReadModelQueries> {
  const q = await door.projections();
  return {
    runs: async (filter) => (await q.runs(filter)).map(decodeRun),
    datasetKnown: (datasetId, toSeq) => q.datasetKnown(datasetId, toSeq),
    versions: async (datasetId) => (await q.versions(datasetId)).map(decodeVersion),
    versionsById: async (versionId) => (await q.versionsById(versionId)).map(decodeVersion),
    runsOfVersion: async (datasetId, versionId) =>
      (await q.runsOfVersion(datasetId, versionId)).map(decodeRun),
    capturesBySha256: async (sha256) => (await q.capturesBySha256(sha256)).map(decodeCapture),
    seqOfEventId: (eventId) => q.seqOfEventId(eventId),
    firstDatasetSeqAfter: (datasetId, iso) => q.firstDatasetSeqAfter(datasetId, iso),
  };
}
