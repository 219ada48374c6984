import type pg from 'pg';
import type { Columns, RowQueries } from '../read-models.js';

/** The read-model queries (RowQueries) in PostgreSQL, as src/ledger/sqlite/row-queries.ts answers them. */
export function postgresRowQueries(pool: pg.Pool): RowQueries {
  const all = async (sql: string, params: unknown[] = []) => (await pool.query<Columns>(sql, params)).rows;
  const seqOf = (rows: Columns[]) => (rows[0] === undefined ? null : (rows[0].seq as number));
  return {
    async runs(filter = {}) {
      const where: string[] = [];
      const params: string[] = [];
      for (const key of ['dataset_id', 'run_id', 'status'] as const) {
        const value = filter[key];
        if (value === undefined) continue;
        params.push(value);
        where.push(`${key} = $${params.length}`);
      }
      const clause = where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`;
      return all(`SELECT * FROM proj_runs${clause} ORDER BY first_seq`, params);
    },
    async datasetKnown(datasetId, toSeq = Number.MAX_SAFE_INTEGER) {
      const rows = await all('SELECT 1 FROM proj_runs WHERE dataset_id = $1 AND first_seq <= $2 LIMIT 1', [
        datasetId,
        toSeq,
      ]);
      return rows.length > 0;
    },
    versions: (datasetId) =>
      all('SELECT * FROM proj_versions WHERE dataset_id = $1 ORDER BY seq', [datasetId]),
    versionsById: (versionId) =>
      all('SELECT * FROM proj_versions WHERE version_id = $1 ORDER BY seq', [versionId]),
    runsOfVersion: (datasetId, versionId) =>
      all('SELECT * FROM proj_runs WHERE version_id = $1 AND dataset_id = $2 ORDER BY first_seq', [
        versionId,
        datasetId,
      ]),
    capturesBySha256: (sha256) => all('SELECT * FROM proj_captures WHERE sha256 = $1 ORDER BY seq', [sha256]),
    seqOfEventId: async (eventId) =>
      seqOf(await all('SELECT seq FROM events WHERE event_id = $1', [eventId])),
    firstDatasetSeqAfter: async (datasetId, iso) =>
      seqOf(
        await all('SELECT seq FROM events WHERE dataset_id = $1 AND recorded_at > $2 ORDER BY seq LIMIT 1', [
          datasetId,
          iso,
        ]),
      ),
  };
}
