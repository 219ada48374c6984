import { GENESIS_HASH } from '../../events/constants.js';
import { appendLeafHashes, EMPTY_FRONTIER, type TreeFrontier } from '../../tlog/tile-builder.js';
import type { Tile } from '../../tlog/tiles.js';
import type { TreeHasher } from '../../tlog/tree-hasher.js';
import type { ChainHead } from './seal-events.js';

/**
 * What the stored tree covers (the `tlog_state` row): the first `tree_size` events, the last of
 * which had `head_hash`. Written with the tiles in one transaction, so it names exactly their tree.
 */
export interface TreeState {
  ledger_id: string;
  tree_size: number;
  head_hash: string;
}

/** A tree built over a chain: the frontier to extend and the head it was built up to. */
export interface BuiltTree {
  head: ChainHead;
  frontier: TreeFrontier;
}

export const EMPTY_TREE: BuiltTree = { head: { seq: 0, hash: GENESIS_HASH }, frontier: EMPTY_FRONTIER };

/**
 * Whether the stored tree is a prefix of the chain: the event at its size still has the hash it had
 * when the tree last grew (`hashAtSize`, undefined when the chain has no such event). When not,
 * events under the tree were rewritten or cut off, and the tree is rebuilt from the events.
 */
export function treeFollowsChain(state: TreeState, hashAtSize: string | undefined): boolean {
  return state.tree_size === 0 || hashAtSize === state.head_hash;
}

/** Whether the stored tree covers exactly the chain up to `head`. */
export function treeAtHead(state: TreeState, head: ChainHead): boolean {
  return state.tree_size === head.seq && (head.seq === 0 || state.head_hash === head.hash);
}

/** Adds the events' bodies (entries `seq - 1`) to the tree: the new tree and the tiles to store. */
export function growTree(
  tree: BuiltTree,
  rows: readonly { seq: number; hash: string; body: Uint8Array }[],
  hasher: TreeHasher,
): { tree: BuiltTree; tiles: Tile[] } {
  const last = rows.at(-1);
  if (last === undefined) return { tree, tiles: [] };
  const { frontier, tiles } = appendLeafHashes(
    tree.frontier,
    rows.map((r) => hasher.leaf(r.body)),
    hasher,
  );
  return { tree: { head: { seq: last.seq, hash: last.hash }, frontier }, tiles };
}
