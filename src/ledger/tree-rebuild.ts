import { nodeTreeHasher } from '../tlog/node-tree-hasher.js';
import { appendLeafHashes, EMPTY_FRONTIER, frontierRoot, type TreeFrontier } from '../tlog/tile-builder.js';
import type { LedgerDoor } from './ledger-door.js';

/**
 * The roots of the tree at each of `sizes` (and at the head), recomputed from the stored event
 * bodies in one streaming pass: what `kfm verify --checkpoint` compares kept checkpoints with, so
 * the answer depends on the events alone, not on tiles someone could have left stale. Memory is
 * the frontier and one page of leaf hashes.
 */
export async function rootsFromEvents(
  door: LedgerDoor,
  sizes: readonly number[],
): Promise<{ size: number; roots: Map<number, Uint8Array> }> {
  const wanted = new Set(sizes);
  const roots = new Map<number, Uint8Array>();
  let frontier: TreeFrontier = EMPTY_FRONTIER;
  let batch: Uint8Array[] = [];
  const flush = () => {
    frontier = appendLeafHashes(frontier, batch, nodeTreeHasher).frontier;
    batch = [];
  };
  for await (const row of door.read()) {
    batch.push(nodeTreeHasher.leaf(row.body));
    if (wanted.has(row.seq)) {
      flush();
      roots.set(row.seq, frontierRoot(frontier, nodeTreeHasher));
    } else if (batch.length === 10_000) flush();
  }
  flush();
  return { size: frontier.size, roots };
}
