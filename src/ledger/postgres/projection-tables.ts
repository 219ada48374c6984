import type pg from 'pg';
import { GENESIS_HASH, type SealedEvent } from '../../events/index.js';
import type { ProjectionReads } from '../ledger-door.js';
import {
  type Columns,
  decodeCapture,
  decodeRun,
  decodeVersion,
  encodeCapture,
  encodeRun,
  encodeVersion,
  PROJECTION_TABLE_NAMES,
  PROJECTION_TABLES,
  type ProjectionRows,
  type ProjectionTable,
  rowKey,
} from '../pure/projection-columns.js';
import {
  type CaptureRow,
  PROJECTED_TYPES,
  type ProjectionStore,
  projectEvent,
  REDUCER_VERSION,
  type RowEvent,
  type RunRow,
  type VersionRow,
} from '../pure/projection-rows.js';

/**
 * The projection tables in PostgreSQL (migrations/postgres/0003_projection_tables.ts), written by
 * the same pure reducers as SQLite's (src/ledger/sqlite/projection-tables.ts). The reducers read
 * synchronously, so a batch's run rows and version ids are loaded first, the batch is reduced in
 * memory, and the rows it changed are upserted: a few statements per append, not per event.
 */
type Queryable = pg.Pool | pg.PoolClient;

const PAGE = 2000;
const TYPE_LIST = [...PROJECTED_TYPES].map((t) => `'${t}'`).join(', ');
const decoder = new TextDecoder();

/** The rows one batch reads and writes, held in memory between the loads and the upserts. */
class BatchStore implements ProjectionStore {
  readonly runs = new Map<string, RunRow>();
  readonly versions = new Set<string>();
  readonly dirtyRuns = new Set<string>();
  readonly newVersions: VersionRow[] = [];
  readonly newCaptures: CaptureRow[] = [];

  getRun(datasetId: string, runId: string) {
    return this.runs.get(`${datasetId}/${runId}`);
  }
  putRun(row: RunRow) {
    const key = `${row.dataset_id}/${row.run_id}`;
    this.runs.set(key, row);
    this.dirtyRuns.add(key);
  }
  hasVersion(datasetId: string, versionId: string) {
    return this.versions.has(`${datasetId}/${versionId}`);
  }
  putVersion(row: VersionRow) {
    this.versions.add(`${row.dataset_id}/${row.version_id}`);
    this.newVersions.push(row);
  }
  putCapture(row: CaptureRow) {
    this.newCaptures.push(row);
  }
}

async function applyEvents(client: Queryable, events: readonly RowEvent[]): Promise<void> {
  const projected = events.filter((e) => PROJECTED_TYPES.has(e.type));
  if (projected.length === 0) return;
  const store = new BatchStore();
  const datasets = [...new Set(projected.map((e) => e.dataset_id))];
  const runs = [...new Set(projected.map((e) => e.run_id))];
  const loaded = await client.query<Columns>(
    'SELECT * FROM proj_runs WHERE dataset_id = ANY($1) AND run_id = ANY($2)',
    [datasets, runs],
  );
  for (const row of loaded.rows) store.runs.set(`${row.dataset_id}/${row.run_id}`, decodeRun(row));
  const versions = await client.query<{ dataset_id: string; version_id: string }>(
    'SELECT dataset_id, version_id FROM proj_versions WHERE dataset_id = ANY($1)',
    [datasets],
  );
  for (const row of versions.rows) store.versions.add(`${row.dataset_id}/${row.version_id}`);
  for (const event of projected) projectEvent(store, event);
  await upsert(
    client,
    'proj_runs',
    [...store.dirtyRuns].map((key) => encodeRun(store.runs.get(key)!)),
  );
  await upsert(client, 'proj_versions', store.newVersions.map(encodeVersion));
  await upsert(client, 'proj_captures', store.newCaptures.map(encodeCapture));
}

/** INSERT … ON CONFLICT DO UPDATE: SQLite's INSERT OR REPLACE, a page of rows per statement. */
async function upsert(client: Queryable, table: ProjectionTable, rows: readonly Columns[]): Promise<void> {
  const { columns, key } = PROJECTION_TABLES[table];
  const conflict: readonly string[] = table === 'proj_captures' ? ['seq'] : key;
  const updates = columns.filter((c) => !conflict.includes(c)).map((c) => `${c} = EXCLUDED.${c}`);
  const chunk = Math.floor(60_000 / columns.length);
  for (let start = 0; start < rows.length; start += chunk) {
    const params: unknown[] = [];
    const tuples = rows.slice(start, start + chunk).map((row) => {
      const slots = columns.map((c) => {
        params.push(row[c] ?? null);
        return `$${params.length}`;
      });
      return `(${slots.join(', ')})`;
    });
    await client.query(
      `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')}
       ON CONFLICT (${conflict.join(', ')}) DO UPDATE SET ${updates.join(', ')}`,
      params,
    );
  }
}

interface State {
  through_seq: number;
  through_hash: string;
  reducer_version: number;
}

async function stateOf(client: Queryable): Promise<State> {
  return (
    await client.query<State>(
      'SELECT through_seq, through_hash, reducer_version FROM proj_state WHERE id = 1',
    )
  ).rows[0]!;
}

async function setState(client: Queryable, seq: number, hash: string): Promise<void> {
  await client.query(
    'UPDATE proj_state SET through_seq = $1, through_hash = $2, reducer_version = $3 WHERE id = 1',
    [seq, hash, REDUCER_VERSION],
  );
}

/**
 * The append hook, inside the append transaction after the inserts: the batch alone when the
 * tables reflect exactly the chain it extends, else a sync from the stored events.
 */
export async function projectAppended(client: pg.PoolClient, events: readonly SealedEvent[]): Promise<void> {
  const first = events[0]?.envelope;
  const last = events.at(-1);
  if (first === undefined || last === undefined) return;
  const state = await stateOf(client);
  const extends_ =
    state.reducer_version === REDUCER_VERSION &&
    state.through_seq === first.seq - 1 &&
    state.through_hash === first.prev_hash;
  if (!extends_) return syncProjections(client);
  await applyEvents(
    client,
    events.map(({ envelope, hash }) => ({ ...envelope, hash }) as RowEvent),
  );
  await setState(client, last.envelope.seq, last.hash);
}

/**
 * Brings the tables up to the events, in the caller's transaction (which holds the head lock):
 * from where they stopped if the event they stopped at still has its hash, else from scratch.
 */
export async function syncProjections(client: pg.PoolClient, rebuild = false): Promise<void> {
  const state = await stateOf(client);
  const head = (
    await client.query<{ seq: number; hash: string }>(
      'SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1',
    )
  ).rows[0] ?? { seq: 0, hash: GENESIS_HASH };
  const at = (
    await client.query<{ hash: string }>('SELECT hash FROM events WHERE seq = $1', [state.through_seq])
  ).rows[0]?.hash;
  const intact =
    !rebuild &&
    state.reducer_version === REDUCER_VERSION &&
    (state.through_seq === 0 || at === state.through_hash);
  if (intact && state.through_seq === head.seq) return;
  if (!intact) await client.query(`TRUNCATE ${PROJECTION_TABLE_NAMES.join(', ')}`);
  let after = intact ? state.through_seq : 0;
  for (;;) {
    const page = await client.query<{ seq: number; body: Buffer; hash: string }>(
      `SELECT seq, body, hash FROM events WHERE seq > $1 AND type IN (${TYPE_LIST}) ORDER BY seq LIMIT $2`,
      [after, PAGE],
    );
    // A body that is not JSON is verify's finding (BODY_UNREADABLE); the cache skips it, as SQLite's does.
    await applyEvents(
      client,
      page.rows.flatMap((row) => decodeStored(row.body, row.hash) ?? []),
    );
    const last = page.rows.at(-1);
    if (last === undefined || page.rows.length < PAGE) break;
    after = last.seq;
  }
  await setState(client, head.seq, head.hash);
}

/** Whether the tables reflect the chain up to its head (one snapshot: an append changes both at once). */
export async function projectionsCurrent(client: pg.PoolClient): Promise<boolean> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    const state = await stateOf(client);
    const head = (
      await client.query<{ seq: number; hash: string }>(
        'SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1',
      )
    ).rows[0] ?? { seq: 0, hash: GENESIS_HASH };
    return (
      state.reducer_version === REDUCER_VERSION &&
      state.through_seq === head.seq &&
      state.through_hash === head.hash
    );
  } finally {
    await client.query('COMMIT');
  }
}

/** The rows as stored, in the reducers' encoding (what `replay --check` compares), of one dataset or all. */
export async function projectionRows(client: Queryable, datasetId?: string): Promise<ProjectionRows> {
  const rows = {} as ProjectionRows;
  for (const table of PROJECTION_TABLE_NAMES) {
    const result =
      datasetId === undefined
        ? await client.query<Columns>(`SELECT * FROM ${table}`)
        : await client.query<Columns>(`SELECT * FROM ${table} WHERE dataset_id = $1`, [datasetId]);
    rows[table] = new Map(result.rows.map((c) => [rowKey(table, c), c]));
  }
  return rows;
}

/** Every dataset with a row in any projection table. */
export async function projectionDatasetIds(client: Queryable): Promise<string[]> {
  const union = PROJECTION_TABLE_NAMES.map((t) => `SELECT dataset_id FROM ${t}`).join(' UNION ');
  const result = await client.query<{ dataset_id: string }>(`${union} ORDER BY dataset_id`);
  return result.rows.map((r) => r.dataset_id);
}

/** The projection queries of ProjectionQueries (src/ledger/sqlite/projection-queries.ts), in PostgreSQL. */
export function postgresProjectionReads(pool: pg.Pool): ProjectionReads {
  const all = async (sql: string, params: unknown[] = []) => (await pool.query<Columns>(sql, params)).rows;
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
      return (await all(`SELECT * FROM proj_runs${clause} ORDER BY first_seq`, params)).map(decodeRun);
    },
    async datasetKnown(datasetId, toSeq = Number.MAX_SAFE_INTEGER) {
      const rows = await all('SELECT 1 FROM proj_runs WHERE dataset_id = $1 AND first_seq <= $2 LIMIT 1', [
        datasetId,
        toSeq,
      ]);
      return rows.length > 0;
    },
    async versions(datasetId) {
      return (await all('SELECT * FROM proj_versions WHERE dataset_id = $1 ORDER BY seq', [datasetId])).map(
        decodeVersion,
      );
    },
    async versionsById(versionId) {
      return (await all('SELECT * FROM proj_versions WHERE version_id = $1 ORDER BY seq', [versionId])).map(
        decodeVersion,
      );
    },
    async runsOfVersion(datasetId, versionId) {
      return (
        await all('SELECT * FROM proj_runs WHERE version_id = $1 AND dataset_id = $2 ORDER BY first_seq', [
          versionId,
          datasetId,
        ])
      ).map(decodeRun);
    },
    async capturesBySha256(sha256) {
      return (await all('SELECT * FROM proj_captures WHERE sha256 = $1 ORDER BY seq', [sha256])).map(
        decodeCapture,
      );
    },
    async seqOfEventId(eventId) {
      const row = (await all('SELECT seq FROM events WHERE event_id = $1', [eventId]))[0];
      return row === undefined ? null : (row.seq as number);
    },
    async firstDatasetSeqAfter(datasetId, iso) {
      const row = (
        await all('SELECT seq FROM events WHERE dataset_id = $1 AND recorded_at > $2 ORDER BY seq LIMIT 1', [
          datasetId,
          iso,
        ])
      )[0];
      return row === undefined ? null : (row.seq as number);
    },
  };
}

function decodeStored(body: Uint8Array, hash: string): RowEvent | null {
  try {
    return { ...(JSON.parse(decoder.decode(body)) as RowEvent), hash };
  } catch {
    return null;
  }
}
