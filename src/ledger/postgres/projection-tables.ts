import type pg from 'pg';
import { GENESIS_HASH, type SealedEvent } from '../../events/index.js';
import {
  type Column,
  type Columns,
  PROJECTION_TABLE_NAMES,
  PROJECTION_TABLES,
  type ProjectionRows,
  type ProjectionTable,
  type ReadModels,
  type RowEvent,
  type RowStore,
  rowKey,
} from '../read-models.js';

/**
 * The projection tables in PostgreSQL (migrations/postgres/0003_projection_tables.ts), written by
 * the read models' reducers as SQLite's are (src/ledger/sqlite/projection-tables.ts). The reducers
 * read synchronously, so the rows a batch may read (ReadModels.reads) are loaded first, the batch is
 * reduced in memory, and the rows it wrote are upserted: a few statements per append, not per event.
 */
type Queryable = pg.Pool | pg.PoolClient;

const PAGE = 2000;
const decoder = new TextDecoder();
/** Rows per statement: a few columns each, well under PostgreSQL's 65 535 parameters. */
const KEYS_PER_QUERY = 5000;

const keyText = (key: readonly Column[]): string => key.map(String).join('/');

/** One batch's rows: those it may read, loaded first, and those it wrote, upserted after. */
class BatchRows implements RowStore {
  readonly #loaded = new Map<ProjectionTable, Map<string, Columns | undefined>>();
  readonly written = new Map<ProjectionTable, Map<string, Columns>>();

  constructor() {
    for (const table of PROJECTION_TABLE_NAMES) {
      this.#loaded.set(table, new Map());
      this.written.set(table, new Map());
    }
  }

  get(table: ProjectionTable, key: readonly Column[]): Columns | undefined {
    const text = keyText(key);
    const written = this.written.get(table)!.get(text);
    if (written !== undefined) return written;
    const loaded = this.#loaded.get(table)!;
    if (!loaded.has(text)) throw new Error(`the read models read ${table} ${text} without declaring it`);
    return loaded.get(text);
  }

  put(table: ProjectionTable, row: Columns): void {
    this.written.get(table)!.set(rowKey(table, row), row);
  }

  /** Loads every row the events may read (absent ones are remembered as absent). */
  async load(client: Queryable, models: ReadModels, events: readonly RowEvent[]): Promise<void> {
    const wanted = new Map<ProjectionTable, Map<string, Column[]>>();
    for (const event of events) {
      for (const { table, key } of models.reads(event)) {
        const keys = wanted.get(table) ?? new Map<string, Column[]>();
        keys.set(keyText(key), key);
        wanted.set(table, keys);
      }
    }
    for (const [table, keys] of wanted) {
      const loaded = this.#loaded.get(table)!;
      for (const text of keys.keys()) loaded.set(text, undefined);
      const columns = PROJECTION_TABLES[table].key;
      const all = [...keys.values()];
      for (let start = 0; start < all.length; start += KEYS_PER_QUERY) {
        const params: unknown[] = [];
        const tuples = all.slice(start, start + KEYS_PER_QUERY).map((key) => {
          const slots = key.map((value) => {
            params.push(value);
            return `$${params.length}`;
          });
          return `(${slots.join(', ')})`;
        });
        const found = await client.query<Columns>(
          `SELECT * FROM ${table} WHERE (${columns.join(', ')}) IN (${tuples.join(', ')})`,
          params,
        );
        for (const row of found.rows) loaded.set(rowKey(table, row), row);
      }
    }
  }
}

async function applyEvents(
  client: Queryable,
  models: ReadModels,
  events: readonly RowEvent[],
): Promise<void> {
  const projected = events.filter((e) => models.types.has(e.type));
  if (projected.length === 0) return;
  const rows = new BatchRows();
  await rows.load(client, models, projected);
  models.project(rows, projected);
  for (const [table, written] of rows.written) await upsert(client, table, [...written.values()]);
}

/** INSERT … ON CONFLICT DO UPDATE: SQLite's INSERT OR REPLACE, a page of rows per statement. */
async function upsert(client: Queryable, table: ProjectionTable, rows: readonly Columns[]): Promise<void> {
  const { columns, primaryKey: conflict } = PROJECTION_TABLES[table];
  const updates = columns
    .filter((c) => !(conflict as readonly string[]).includes(c))
    .map((c) => `${c} = EXCLUDED.${c}`);
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

async function setState(client: Queryable, models: ReadModels, seq: number, hash: string): Promise<void> {
  await client.query(
    'UPDATE proj_state SET through_seq = $1, through_hash = $2, reducer_version = $3 WHERE id = 1',
    [seq, hash, models.version],
  );
}

/**
 * The append hook, inside the append transaction after the inserts: the batch alone when the
 * tables reflect exactly the chain it extends, else a sync from the stored events.
 */
export async function projectAppended(
  client: pg.PoolClient,
  models: ReadModels,
  events: readonly SealedEvent[],
): Promise<void> {
  const first = events[0]?.envelope;
  const last = events.at(-1);
  if (first === undefined || last === undefined) return;
  const state = await stateOf(client);
  const extends_ =
    state.reducer_version === models.version &&
    state.through_seq === first.seq - 1 &&
    state.through_hash === first.prev_hash;
  if (!extends_) return syncProjections(client, models);
  await applyEvents(
    client,
    models,
    events.map(({ envelope, hash }) => ({ ...envelope, hash })),
  );
  await setState(client, models, last.envelope.seq, last.hash);
}

/**
 * Brings the tables up to the events, in the caller's transaction (which holds the head lock):
 * from where they stopped if the event they stopped at still has its hash, else from scratch.
 */
export async function syncProjections(
  client: pg.PoolClient,
  models: ReadModels,
  rebuild = false,
): Promise<void> {
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
    state.reducer_version === models.version &&
    (state.through_seq === 0 || at === state.through_hash);
  if (intact && state.through_seq === head.seq) return;
  if (!intact) await client.query(`TRUNCATE ${PROJECTION_TABLE_NAMES.join(', ')}`);
  let after = intact ? state.through_seq : 0;
  for (;;) {
    const page = await client.query<{ seq: number; body: Buffer; hash: string }>(
      'SELECT seq, body, hash FROM events WHERE seq > $1 AND type = ANY($2) ORDER BY seq LIMIT $3',
      [after, [...models.types], PAGE],
    );
    // A body that is not JSON is verify's finding (BODY_UNREADABLE); the cache skips it, as SQLite's does.
    await applyEvents(
      client,
      models,
      page.rows.flatMap((row) => decodeStored(row.body, row.hash) ?? []),
    );
    const last = page.rows.at(-1);
    if (last === undefined || page.rows.length < PAGE) break;
    after = last.seq;
  }
  await setState(client, models, head.seq, head.hash);
}

/** Whether the tables reflect the chain up to its head (one snapshot: an append changes both at once). */
export async function projectionsCurrent(client: pg.PoolClient, models: ReadModels): Promise<boolean> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    const state = await stateOf(client);
    const head = (
      await client.query<{ seq: number; hash: string }>(
        'SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1',
      )
    ).rows[0] ?? { seq: 0, hash: GENESIS_HASH };
    return (
      state.reducer_version === models.version &&
      state.through_seq === head.seq &&
      state.through_hash === head.hash
    );
  } finally {
    await client.query('COMMIT');
  }
}

/** The rows as stored (what `replay --check` compares), of one dataset or all. */
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

function decodeStored(body: Uint8Array, hash: string): RowEvent | null {
  try {
    return { ...(JSON.parse(decoder.decode(body)) as RowEvent), hash };
  } catch {
    return null;
  }
}
