import type pg from 'pg';
import type { SealedEvent } from '../../events/index.js';
import { nodeTreeHasher } from '../../tlog/node-tree-hasher.js';
import { frontierFromTiles } from '../../tlog/tile-builder.js';
import { TILE_WIDTH, type Tile, type TileId, tileWidth } from '../../tlog/tiles.js';
import { HASH_SIZE } from '../../tlog/tree-hasher.js';
import type { StoredCheckpoint } from '../ledger-door.js';
import type { ChainHead } from '../pure/seal-events.js';
import {
  type BuiltTree,
  EMPTY_TREE,
  growTree,
  type TreeState,
  treeAtHead,
  treeFollowsChain,
} from '../pure/tree-sync.js';
import { tilePrefix } from '../tree-errors.js';

type Queryable = pg.Pool | pg.PoolClient;
type RowBody = { seq: number; hash: string; body: Uint8Array };

const PAGE = 10_000;
const STATE_AND_HEAD = `SELECT s.ledger_id, s.tree_size, s.head_hash, e.seq, e.hash
  FROM tlog_state s LEFT JOIN (SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1) e ON true`;

/** The state and the chain head in one statement (one snapshot: an append changes both at once). */
export async function treeStateAndHead(db: Queryable): Promise<{ state: TreeState; head: ChainHead }> {
  const row = (await db.query<TreeState & { seq: number | null; hash: string | null }>(STATE_AND_HEAD))
    .rows[0]!;
  const { ledger_id, tree_size, head_hash, seq, hash } = row;
  return {
    state: { ledger_id, tree_size, head_hash },
    head: seq === null || hash === null ? EMPTY_TREE.head : { seq, hash },
  };
}

/**
 * Each tile's stored hashes, by `level/index`: one query for the `tlog_tiles` rows, and one for the
 * leaf rows of a level-0 tile that has none (the rightmost, kept one row per leaf as in SQLite:
 * migrations/postgres/0007_tlog_leaves.ts), as far as they run without a gap.
 */
async function storedTiles(db: Queryable, tiles: readonly TileId[]): Promise<Map<string, Uint8Array>> {
  const result = await db.query<{ level: number; idx: string; hashes: Buffer }>(
    'SELECT level, idx, hashes FROM tlog_tiles WHERE (level, idx) IN (SELECT * FROM unnest($1::int[], $2::bigint[]))',
    [tiles.map((t) => t.level), tiles.map((t) => t.index)],
  );
  const stored = new Map(result.rows.map((r) => [`${r.level}/${r.idx}`, new Uint8Array(r.hashes)]));
  const leafTiles = [
    ...new Set(tiles.filter((t) => t.level === 0 && !stored.has(`0/${t.index}`)).map((t) => t.index)),
  ];
  for (const index of leafTiles) {
    const first = index * TILE_WIDTH;
    const leaves = await db.query<{ idx: string; hash: Buffer }>(
      'SELECT idx, hash FROM tlog_leaves WHERE idx >= $1 AND idx < $2 ORDER BY idx',
      [first, first + TILE_WIDTH],
    );
    const run = leaves.rows.findIndex((leaf, i) => Number(leaf.idx) !== first + i);
    const hashes = (run === -1 ? leaves.rows : leaves.rows.slice(0, run)).map((leaf) => leaf.hash);
    if (hashes.length > 0) stored.set(`0/${index}`, new Uint8Array(Buffer.concat(hashes)));
  }
  return stored;
}

export async function readTiles(
  db: Queryable,
  tiles: readonly TileId[],
  target: string,
): Promise<Uint8Array[]> {
  const stored = await storedTiles(db, tiles);
  return tiles.map((tile) => tilePrefix(target, tile, stored.get(`${tile.level}/${tile.index}`)));
}

export async function storeCheckpoint(db: Queryable, c: StoredCheckpoint): Promise<void> {
  await db.query(
    'INSERT INTO tlog_checkpoints (origin, tree_size, root_hash, note, signed_at) VALUES ($1, $2, $3, $4, $5)',
    [c.origin, c.tree_size, c.root_hash, c.note, c.signed_at],
  );
}

export async function lastCheckpoint(db: Queryable): Promise<StoredCheckpoint | undefined> {
  return (
    await db.query<StoredCheckpoint>(
      'SELECT origin, tree_size, root_hash, note, signed_at FROM tlog_checkpoints ORDER BY id DESC LIMIT 1',
    )
  ).rows[0];
}

/**
 * The transparency log's tree in PostgreSQL (migrations/postgres/0005_transparency_log.ts), kept as
 * SQLite's is (src/ledger/sqlite/tree-tables.ts): every method runs inside the caller's transaction under
 * the head lock. The frontier of the last tree written through this ledger is kept while the state
 * still names it.
 */
export class PostgresTree {
  #tree: BuiltTree | null = null;

  /** The append hook, after the inserts: the batch's leaves join the tree. */
  async afterAppend(client: pg.PoolClient, events: readonly SealedEvent[]): Promise<void> {
    const first = events[0]?.envelope;
    if (first === undefined) return;
    const tree = await this.#treeAt(client, { seq: first.seq - 1, hash: first.prev_hash });
    await this.#grow(
      client,
      tree,
      events.map((e) => ({ seq: e.envelope.seq, hash: e.hash, body: e.body })),
    );
  }

  /** Brings the tree up to the head (a writer's open, a copy, `kfm migrate`). */
  async sync(client: pg.PoolClient): Promise<void> {
    const { state, head } = await treeStateAndHead(client);
    if (!treeAtHead(state, head)) await this.#treeAt(client, head);
  }

  async #treeAt(client: pg.PoolClient, head: ChainHead): Promise<BuiltTree> {
    const { state } = await treeStateAndHead(client);
    const cached = this.#tree;
    if (cached !== null && cached.head.seq === state.tree_size && cached.head.hash === state.head_hash)
      return this.#upTo(client, cached, head);
    const at = (
      await client.query<{ hash: string }>('SELECT hash FROM events WHERE seq = $1', [state.tree_size])
    ).rows[0]?.hash;
    if (!treeFollowsChain(state, at) || state.tree_size > head.seq) {
      await client.query('DELETE FROM tlog_tiles');
      await client.query('DELETE FROM tlog_leaves');
      await client.query('UPDATE tlog_state SET tree_size = 0, head_hash = $1 WHERE id = 1', [
        EMPTY_TREE.head.hash,
      ]);
      return this.#upTo(client, EMPTY_TREE, head);
    }
    // The partial tiles of the state's size, read in one query, then the frontier from them.
    const size = state.tree_size;
    const partials: TileId[] = [];
    for (let level = 0; 256 ** level <= size; level++) {
      const index = Math.floor(size / 256 ** (level + 1));
      const width = tileWidth(size, level, index);
      if (width > 0) partials.push({ level, index, width });
    }
    const read = await readTiles(client, partials, 'the tree');
    const frontier = frontierFromTiles(
      size,
      (tile) => read[partials.findIndex((p) => p.level === tile.level)]!,
    );
    return this.#upTo(client, { head: { seq: size, hash: state.head_hash }, frontier }, head);
  }

  async #upTo(client: pg.PoolClient, tree: BuiltTree, head: ChainHead): Promise<BuiltTree> {
    let grown = tree;
    while (grown.head.seq < head.seq) {
      const rows = await client.query<RowBody>(
        'SELECT seq, hash, body FROM events WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3',
        [grown.head.seq, head.seq, PAGE],
      );
      grown = await this.#grow(client, grown, rows.rows);
    }
    return grown;
  }

  async #grow(client: pg.PoolClient, tree: BuiltTree, rows: readonly RowBody[]): Promise<BuiltTree> {
    const grown = growTree(tree, rows, nodeTreeHasher);
    const before = tree.frontier.size;
    const isLeafTile = (t: Tile) => t.level === 0 && t.width < TILE_WIDTH;
    const tiles = grown.tiles.filter((t) => !isLeafTile(t));
    const leaves = grown.tiles.filter(isLeafTile).flatMap((t) => newLeaves(t, before));
    if (leaves.length > 0)
      await client.query(
        'INSERT INTO tlog_leaves (idx, hash) SELECT * FROM unnest($1::bigint[], $2::bytea[])',
        [leaves.map((l) => l.idx), leaves.map((l) => l.hash)],
      );
    // A level-0 tile completed by this batch replaces the leaf rows it had.
    const completed = tiles.find((t) => t.level === 0 && t.index * TILE_WIDTH < before);
    if (completed !== undefined)
      await client.query('DELETE FROM tlog_leaves WHERE idx >= $1 AND idx < $2', [
        completed.index * TILE_WIDTH,
        (completed.index + 1) * TILE_WIDTH,
      ]);
    if (tiles.length > 0)
      await client.query(
        `INSERT INTO tlog_tiles (level, idx, width, hashes)
         SELECT * FROM unnest($1::int[], $2::bigint[], $3::int[], $4::bytea[])
         ON CONFLICT (level, idx) DO UPDATE SET width = excluded.width, hashes = excluded.hashes`,
        [
          tiles.map((t) => t.level),
          tiles.map((t) => t.index),
          tiles.map((t) => t.width),
          tiles.map((t) => Buffer.from(t.hashes.buffer, t.hashes.byteOffset, t.hashes.byteLength)),
        ],
      );
    await client.query('UPDATE tlog_state SET tree_size = $1, head_hash = $2 WHERE id = 1', [
      grown.tree.head.seq,
      grown.tree.head.hash,
    ]);
    this.#tree = grown.tree;
    return grown.tree;
  }
}

/** The leaves of a level-0 partial tile that the tree of size `before` did not have. */
function newLeaves(tile: Tile, before: number): { idx: number; hash: Buffer }[] {
  const first = tile.index * TILE_WIDTH;
  const from = Math.max(before - first, 0);
  return Array.from({ length: tile.width - from }, (_, k) => {
    const i = from + k;
    return {
      idx: first + i,
      hash: Buffer.from(tile.hashes.buffer, tile.hashes.byteOffset + i * HASH_SIZE, HASH_SIZE),
    };
  });
}
