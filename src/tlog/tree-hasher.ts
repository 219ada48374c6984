import { sha256 } from '@noble/hashes/sha2.js';

/** Every hash in the tree is a SHA-256 digest (RFC 9162 §2.1.1 with SHA-256, as C2SP tlogs use). */
export const HASH_SIZE = 32;

/**
 * The two hashes of RFC 9162 §2.1.1: leaf `SHA-256(0x00 || entry)`, node `SHA-256(0x01 || l || r)`.
 * Injected, so the pure code runs in a browser with the portable hasher and in Node with OpenSSL.
 */
export interface TreeHasher {
  leaf(entry: Uint8Array): Uint8Array;
  node(left: Uint8Array, right: Uint8Array): Uint8Array;
}

const LEAF_PREFIX = Uint8Array.of(0);
const NODE_PREFIX = Uint8Array.of(1);

/** Pure JavaScript (@noble/hashes): the same bytes as the node:crypto hasher, slower. */
export const nobleTreeHasher: TreeHasher = {
  leaf: (entry) => sha256.create().update(LEAF_PREFIX).update(entry).digest(),
  node: (left, right) => sha256.create().update(NODE_PREFIX).update(left).update(right).digest(),
};

/** The root of the empty tree: SHA-256 of no bytes (RFC 9162 §2.1.1). */
export const EMPTY_ROOT: Uint8Array = sha256(new Uint8Array(0));
