import { hash } from 'node:crypto';
import type { TreeHasher } from './tree-hasher.js';

/** One scratch buffer: a node's input is always 65 bytes, and the calls are synchronous. */
const nodeInput = Buffer.alloc(65, 1);

/**
 * node:crypto (OpenSSL) implementation of the RFC 9162 hashes, several times faster than
 * @noble/hashes on 65-byte inputs; a unit test proves it gives the same digests.
 */
export const nodeTreeHasher: TreeHasher = {
  leaf: (entry) => hash('sha256', Buffer.concat([Buffer.of(0), entry]), 'buffer'),
  node: (left, right) => {
    if (left.length !== 32 || right.length !== 32)
      return hash('sha256', Buffer.concat([Buffer.of(1), left, right]), 'buffer');
    nodeInput.set(left, 1);
    nodeInput.set(right, 33);
    return hash('sha256', nodeInput, 'buffer');
  },
};
