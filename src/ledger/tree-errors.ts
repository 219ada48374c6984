import { KfmError } from '../errors.js';
import { type TileId, tilePath } from '../tlog/tiles.js';
import { HASH_SIZE } from '../tlog/tree-hasher.js';
import type { ChainHead } from './pure/seal-events.js';
import type { TreeState } from './pure/tree-sync.js';

/** The tree tables are missing (a schema before 0005) or behind the events: a writer brings them up. */
export function treeNotCurrent(target: string, state: TreeState | null, head: ChainHead): KfmError {
  const what =
    state === null
      ? 'has no transparency-log tables (a schema before 0005_transparency_log)'
      : `has a tree of ${state.tree_size} entries that does not cover its ${head.seq} events`;
  return new KfmError(
    'MIGRATION_REQUIRED',
    `the ledger ${target} ${what}: run \`kfm migrate\` to build it (a reader never writes)`,
    { details: { ledger: target, tree_size: state?.tree_size ?? null, head_seq: head.seq } },
  );
}

/** A stored tile's bytes cut to the width asked for; STORAGE_CORRUPT when none is stored or it is narrower. */
export function tilePrefix(target: string, tile: TileId, stored: Uint8Array | undefined): Uint8Array {
  const bytes = tile.width * HASH_SIZE;
  if (stored === undefined || stored.length < bytes)
    throw new KfmError(
      'STORAGE_CORRUPT',
      `the ledger ${target} lacks ${tilePath(tile)} (stored: ${stored === undefined ? 'none' : `${stored.length / HASH_SIZE} hashes`}): its tree tables are damaged; run \`kfm migrate\` after restoring them, or rebuild from the events`,
      { details: { ledger: target, tile: tilePath(tile) } },
    );
  return stored.subarray(0, bytes);
}
