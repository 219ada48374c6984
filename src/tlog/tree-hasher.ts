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

/**
 * The root of the empty tree: SHA-256 of no bytes (RFC 9162 §2.1.1), e3b0c442…b855, written out so
 * that this module needs no hash function (test/unit/tlog/merkle-vectors.test.ts recomputes it).
 */
export const EMPTY_ROOT: Uint8Array = Uint8Array.of(
  0xe3,
  0xb0,
  0xc4,
  0x42,
  0x98,
  0xfc,
  0x1c,
  0x14,
  0x9a,
  0xfb,
  0xf4,
  0xc8,
  0x99,
  0x6f,
  0xb9,
  0x24,
  0x27,
  0xae,
  0x41,
  0xe4,
  0x64,
  0x9b,
  0x93,
  0x4c,
  0xa4,
  0x95,
  0x99,
  0x1b,
  0x78,
  0x52,
  0xb8,
  0x55,
);
