import type { StoredRow } from './pure/verify-chain.js';
import type { Columns, MemoryRows, ProjectionTable, RowQueries, RunFilter } from './read-models.js';

/**
 * The read-model queries over tables in memory (the memory door's), answering as the SQL ones do
 * (src/ledger/sqlite/row-queries.ts) by scanning instead of by index.
 */
export function memoryRowQueries(rows: MemoryRows, events: () => Iterable<StoredRow>): RowQueries {
  const select = (table: ProjectionTable, match: (c: Columns) => boolean, orderBy: string) =>
    rows
      .all(table)
      .filter(match)
      .sort((a, b) => (a[orderBy] as number) - (b[orderBy] as number));
  const runMatches = (filter: RunFilter) => (c: Columns) =>
    (['dataset_id', 'run_id', 'status'] as const).every((k) => filter[k] === undefined || c[k] === filter[k]);
  const firstSeq = (match: (row: StoredRow) => boolean): number | null => {
    for (const row of events()) if (match(row)) return row.seq;
    return null;
  };
  return {
    runs: async (filter = {}) => select('proj_runs', runMatches(filter), 'first_seq'),
    datasetKnown: async (datasetId, toSeq = Number.MAX_SAFE_INTEGER) =>
      select('proj_runs', (c) => c.dataset_id === datasetId && (c.first_seq as number) <= toSeq, 'first_seq')
        .length > 0,
    versions: async (datasetId) => select('proj_versions', (c) => c.dataset_id === datasetId, 'seq'),
    versionsById: async (versionId) => select('proj_versions', (c) => c.version_id === versionId, 'seq'),
    runsOfVersion: async (datasetId, versionId) =>
      select('proj_runs', (c) => c.dataset_id === datasetId && c.version_id === versionId, 'first_seq'),
    capturesBySha256: async (sha256) => select('proj_captures', (c) => c.sha256 === sha256, 'seq'),
    seqOfEventId: async (eventId) => firstSeq((row) => row.event_id === eventId),
    firstDatasetSeqAfter: async (datasetId, iso) =>
      firstSeq((row) => row.dataset_id === datasetId && row.recorded_at > iso),
  };
}
