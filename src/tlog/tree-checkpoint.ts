import { equalBytes } from './bytes.js';
import { type Checkpoint, formatCheckpointText } from './checkpoint.js';
import { type HashSource, treeRoot } from './prove.js';
import type { TreeHasher } from './tree-hasher.js';

/**
 * A checkpoint against the log's own tree: the decision behind `kfm checkpoint` (never sign a tree
 * inconsistent with the last signed checkpoint, tlog-checkpoint § Signatures) and behind
 * `kfm verify --checkpoint` (the ledger still has, at that size, the root someone kept).
 */
export type TreeCheckpointFailure =
  /** The checkpoint is of a larger tree than the log has: entries it covered are gone. */
  | 'TREE_TRUNCATED'
  /** The log's tree at the checkpoint's size has another root: history it covered was rewritten. */
  | 'TREE_REWRITTEN';

export type TreeCheckpointCheck =
  | { ok: true }
  | { ok: false; failure: TreeCheckpointFailure; message: string };

/**
 * Does the tree of `treeSize` (read through `source`) extend `checkpoint`? Its prefix of the
 * checkpoint's size must have the checkpoint's root; the tiles hold every complete subtree, so the
 * old root is recomputed directly rather than through a consistency proof.
 */
export function checkTreeExtends(
  checkpoint: Pick<Checkpoint, 'size' | 'rootHash'>,
  treeSize: number,
  source: HashSource,
  hasher: TreeHasher,
): TreeCheckpointCheck {
  if (checkpoint.size > treeSize)
    return {
      ok: false,
      failure: 'TREE_TRUNCATED',
      message: `the checkpoint covers ${checkpoint.size} entries; the log has ${treeSize}`,
    };
  if (!equalBytes(treeRoot(source, hasher, checkpoint.size), checkpoint.rootHash))
    return {
      ok: false,
      failure: 'TREE_REWRITTEN',
      message: `the log's first ${checkpoint.size} entries no longer hash to the checkpoint's root`,
    };
  return { ok: true };
}

/**
 * The checkpoint text to sign for the tree of `size`, or why it must not be signed: a log MUST NOT
 * sign a checkpoint inconsistent with one it signed before (`last`).
 */
export function planCheckpoint(
  tree: { origin: string; size: number; source: HashSource; hasher: TreeHasher },
  last: Pick<Checkpoint, 'size' | 'rootHash'> | undefined,
): { ok: true; text: string } | { ok: false; failure: TreeCheckpointFailure; message: string } {
  if (last !== undefined) {
    const extends_ = checkTreeExtends(last, tree.size, tree.source, tree.hasher);
    if (!extends_.ok) return extends_;
  }
  const rootHash = treeRoot(tree.source, tree.hasher, tree.size);
  return {
    ok: true,
    text: formatCheckpointText({ origin: tree.origin, size: tree.size, rootHash, extensions: [] }),
  };
}
