import type Database from 'better-sqlite3';
import type { SealedEvent } from '../../events/index.js';
import { nodeTreeHasher } from '../../tlog/node-tree-hasher.js';
import { frontierFromTiles } from '../../tlog/tile-builder.js';
import { TILE_WIDTH, type Tile, type TileId } from '../../tlog/tiles.js';
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

/** Events hashed into the tree per page when it catches up: memory is one page plus the frontier. */
const PAGE = 10_000;

type StoredRowBody = { seq: number; hash: string; body: Uint8Array };

/**
 * The transparency log's tree in SQLite (migrations/0005_transparency_log.ts): its C2SP tiles, kept
 * in the append transaction as the projection tables are, and the checkpoints signed over it. The
 * frontier of the last tree this connection wrote is kept, so an append reads one row (the state)
 * before it adds its leaves; another writer's append changes the state, and the frontier is read
 * again from the partial tiles. The rightmost level-0 tile is kept as one row per leaf in
 * `tlog_leaves` (migrations/0007_tlog_leaves.ts), so a one-event append writes 32 bytes of it, not
 * the whole tile; full tiles and the partial tiles above level 0 are rows of `tlog_tiles`.
 */
export class TreeTables {
  readonly #db: Database.Database;
  readonly #readState: Database.Statement<[], TreeState>;
  readonly #writeState: Database.Statement<[number, string]>;
  readonly #readTile: Database.Statement<[number, number], { hashes: Uint8Array }>;
  readonly #writeTile: Database.Statement<[number, number, number, Uint8Array]>;
  readonly #readLeaves: Database.Statement<[number, number], { idx: number; hash: Buffer }>;
  readonly #writeLeaf: Database.Statement<[number, Uint8Array]>;
  readonly #dropLeaves: Database.Statement<[number, number]>;
  readonly #head: Database.Statement<[], ChainHead>;
  readonly #page: Database.Statement<[number, number, number], StoredRowBody>;
  #tree: BuiltTree | null = null;

  /** The tables of a ledger that has them, else null (a schema before 0005, read without migrating). */
  static open(db: Database.Database): TreeTables | null {
    const found = db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'tlog_state'")
      .get();
    return found === undefined ? null : new TreeTables(db);
  }

  constructor(db: Database.Database) {
    this.#db = db;
    this.#readState = db.prepare('SELECT ledger_id, tree_size, head_hash FROM tlog_state WHERE id = 1');
    this.#writeState = db.prepare('UPDATE tlog_state SET tree_size = ?, head_hash = ? WHERE id = 1');
    this.#readTile = db.prepare('SELECT hashes FROM tlog_tiles WHERE level = ? AND idx = ?');
    this.#writeTile = db.prepare(
      `INSERT INTO tlog_tiles (level, idx, width, hashes) VALUES (?, ?, ?, ?)
       ON CONFLICT (level, idx) DO UPDATE SET width = excluded.width, hashes = excluded.hashes`,
    );
    this.#readLeaves = db.prepare(
      'SELECT idx, hash FROM tlog_leaves WHERE idx >= ? AND idx < ? ORDER BY idx',
    );
    this.#writeLeaf = db.prepare('INSERT INTO tlog_leaves (idx, hash) VALUES (?, ?)');
    this.#dropLeaves = db.prepare('DELETE FROM tlog_leaves WHERE idx >= ? AND idx < ?');
    this.#head = db.prepare('SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1');
    this.#page = db.prepare(
      'SELECT seq, hash, body FROM events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?',
    );
  }

  state(): TreeState {
    return this.#readState.get()!;
  }

  /** The state and the chain head read together (an append changes both in one transaction). */
  stateAndHead(): { state: TreeState; head: ChainHead } {
    return this.#db.transaction(() => ({ state: this.state(), head: this.#chainHead() }))();
  }

  /** The append hook, inside the append transaction after the inserts: the batch's leaves join the tree. */
  afterAppend(events: readonly SealedEvent[]): void {
    const first = events[0]?.envelope;
    if (first === undefined) return;
    const tree = this.#treeAt({ seq: first.seq - 1, hash: first.prev_hash });
    this.#grow(
      tree,
      events.map((e) => ({ seq: e.envelope.seq, hash: e.hash, body: e.body })),
    );
  }

  /** Brings the tree up to the events (a writer's open; `kfm migrate` on a ledger written before 0005). */
  sync(): void {
    const { state, head } = this.stateAndHead();
    if (treeAtHead(state, head)) return;
    this.#db.transaction(() => this.#treeAt(this.#chainHead())).immediate();
  }

  /** Each tile's first `width` hashes; STORAGE_CORRUPT when the stored tile is missing or narrower. */
  readTiles(tiles: readonly TileId[], target: string): Uint8Array[] {
    return tiles.map((tile) => tilePrefix(target, tile, this.#storedTile(tile)));
  }

  storeCheckpoint(checkpoint: StoredCheckpoint): void {
    this.#db
      .prepare(
        'INSERT INTO tlog_checkpoints (origin, tree_size, root_hash, note, signed_at) VALUES (?, ?, ?, ?, ?)',
      )
      .run(
        checkpoint.origin,
        checkpoint.tree_size,
        checkpoint.root_hash,
        checkpoint.note,
        checkpoint.signed_at,
      );
  }

  lastCheckpoint(): StoredCheckpoint | undefined {
    return this.#db
      .prepare(
        'SELECT origin, tree_size, root_hash, note, signed_at FROM tlog_checkpoints ORDER BY id DESC LIMIT 1',
      )
      .get() as StoredCheckpoint | undefined;
  }

  #chainHead(): ChainHead {
    return this.#head.get() ?? EMPTY_TREE.head;
  }

  /**
   * The tree over the chain up to `head` (inside a write transaction): the cached one when the state
   * still names it, else read from the partial tiles, else built from the stored events — from where
   * the state stops when its tree is a prefix of this chain, from nothing when it is not.
   */
  #treeAt(head: ChainHead): BuiltTree {
    const state = this.state();
    const cached = this.#tree;
    if (cached !== null && cached.head.seq === state.tree_size && cached.head.hash === state.head_hash)
      return this.#upTo(cached, head);
    const at = this.#db.prepare('SELECT hash FROM events WHERE seq = ?').pluck().get(state.tree_size) as
      | string
      | undefined;
    if (!treeFollowsChain(state, at) || state.tree_size > head.seq) {
      this.#db.prepare('DELETE FROM tlog_tiles').run();
      this.#db.prepare('DELETE FROM tlog_leaves').run();
      this.#writeState.run(0, EMPTY_TREE.head.hash);
      return this.#upTo(EMPTY_TREE, head);
    }
    const frontier = frontierFromTiles(state.tree_size, (tile) => this.readTiles([tile], this.#db.name)[0]!);
    return this.#upTo({ head: { seq: state.tree_size, hash: state.head_hash }, frontier }, head);
  }

  /** Adds the stored events after the tree's head up to `head`, a page at a time. */
  #upTo(tree: BuiltTree, head: ChainHead): BuiltTree {
    let grown = tree;
    while (grown.head.seq < head.seq)
      grown = this.#grow(grown, this.#page.all(grown.head.seq, head.seq, PAGE));
    return grown;
  }

  #grow(tree: BuiltTree, rows: readonly StoredRowBody[]): BuiltTree {
    const grown = growTree(tree, rows, nodeTreeHasher);
    for (const t of grown.tiles) this.#store(t, tree.frontier.size);
    this.#writeState.run(grown.tree.head.seq, grown.tree.head.hash);
    this.#tree = grown.tree;
    return grown.tree;
  }

  /**
   * A tile the builder returned, grown from the tree of size `before`: the new leaves of the level-0
   * partial tile are inserted one row each; a completed level-0 tile replaces the leaf rows it had.
   */
  #store(tile: Tile, before: number): void {
    const first = tile.index * TILE_WIDTH;
    if (tile.level === 0 && tile.width < TILE_WIDTH) {
      for (let i = Math.max(before - first, 0); i < tile.width; i++)
        this.#writeLeaf.run(first + i, tile.hashes.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE));
      return;
    }
    this.#writeTile.run(tile.level, tile.index, tile.width, tile.hashes);
    if (tile.level === 0 && before > first) this.#dropLeaves.run(first, first + TILE_WIDTH);
  }

  /**
   * The stored hashes of a tile: its `tlog_tiles` row, or for the rightmost level-0 tile its leaf
   * rows, as far as they run without a gap (a gap reads as a narrower tile: STORAGE_CORRUPT).
   */
  #storedTile(tile: TileId): Uint8Array | undefined {
    const row = this.#readTile.get(tile.level, tile.index)?.hashes;
    if (row !== undefined || tile.level > 0) return row;
    const first = tile.index * TILE_WIDTH;
    const leaves = this.#readLeaves.all(first, first + TILE_WIDTH);
    const run = leaves.findIndex((leaf, i) => leaf.idx !== first + i);
    const hashes = (run === -1 ? leaves : leaves.slice(0, run)).map((leaf) => leaf.hash);
    return hashes.length === 0 ? undefined : Buffer.concat(hashes);
  }
}
