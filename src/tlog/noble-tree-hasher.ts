import { sha256 } from '@noble/hashes/sha2.js';
import type { TreeHasher } from './tree-hasher.js';

const LEAF_PREFIX = Uint8Array.of(0);
const NODE_PREFIX = Uint8Array.of(1);

/** Pure JavaScript (@noble/hashes): the same bytes as the node:crypto hasher, slower. */
export const nobleTreeHasher: TreeHasher = {
  leaf: (entry) => sha256.create().update(LEAF_PREFIX).update(entry).digest(),
  node: (left, right) => sha256.create().update(NODE_PREFIX).update(left).update(right).digest(),
};
