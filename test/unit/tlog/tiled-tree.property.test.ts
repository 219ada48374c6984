import { bytesToHex } from '@noble/hashes/utils.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nodeTreeHasher } from '../../../src/tlog/node-tree-hasher.js';
import { proveConsistency, proveInclusion, treeRoot } from '../../../src/tlog/prove.js';
import { frontierFromTiles, frontierRoot } from '../../../src/tlog/tile-builder.js';
import { tileHashSource } from '../../../src/tlog/tiles.js';
import { verifyConsistency, verifyInclusion } from '../../../src/tlog/verify-proof.js';
import { NaiveTree } from './naive-tree.js';
import { MemoryTileStore } from './tile-store.js';

/** Entry i: its index as 4 big-endian bytes and a varying tail, so entries differ in content and length. */
function entry(i: number): Uint8Array {
  const bytes = new Uint8Array(4 + (i % 7));
  new DataView(bytes.buffer).setUint32(0, i);
  return bytes;
}
const MAX = 100_000;
const entries = Array.from({ length: MAX }, (_, i) => entry(i));
const leafHashes = entries.map((e) => nodeTreeHasher.leaf(e));
const naive = new NaiveTree(entries);
const hex = (hashes: readonly Uint8Array[]) => hashes.map(bytesToHex);
const flip = (hash: Uint8Array) => Uint8Array.from(hash, (b, i) => (i === 0 ? b ^ 1 : b));

describe('the tiled tree against the naive recursive RFC 9162 tree', () => {
  it('agrees for every size up to 300: root, frontier, every inclusion and every consistency proof', () => {
    const store = new MemoryTileStore(nodeTreeHasher);
    for (let n = 1; n <= 300; n++) {
      store.append([leafHashes[n - 1]!]);
      const source = tileHashSource(n, store.read, nodeTreeHasher);
      const root = treeRoot(source, nodeTreeHasher, n);
      expect(bytesToHex(root)).toBe(bytesToHex(naive.mth(0, n)));
      expect(bytesToHex(frontierRoot(store.frontier, nodeTreeHasher))).toBe(bytesToHex(root));
      for (let i = 0; i < n; i++) {
        const proof = proveInclusion(source, nodeTreeHasher, i, n);
        expect(hex(proof)).toEqual(hex(naive.path(i, 0, n)));
        expect(verifyInclusion(nodeTreeHasher, i, n, leafHashes[i]!, proof, root).ok).toBe(true);
      }
      for (let m = 1; m <= n; m++) {
        const proof = proveConsistency(source, nodeTreeHasher, m, n);
        expect(hex(proof)).toEqual(hex(naive.proof(m, n)));
        expect(verifyConsistency(nodeTreeHasher, m, n, proof, naive.mth(0, m), root).ok).toBe(true);
      }
    }
  });

  it('agrees at random sizes up to 100,000, appended in random batches, for old sizes too', () => {
    const scenario = fc.record({
      size: fc.integer({ min: 1, max: MAX }),
      batches: fc.array(fc.integer({ min: 1, max: 40_000 }), { minLength: 1, maxLength: 6 }),
      index: fc.nat(),
      oldSize: fc.nat(),
    });
    fc.assert(
      fc.property(scenario, ({ size, batches, index, oldSize }) => {
        const store = new MemoryTileStore(nodeTreeHasher);
        for (let at = 0, b = 0; at < size; b++) {
          const next = Math.min(size, at + batches[b % batches.length]!);
          store.append(leafHashes.slice(at, next));
          at = next;
        }
        const i = index % size;
        const m = 1 + (oldSize % size);
        // Old sizes are proved from the same stored tiles: a narrower tile is a prefix of the wider.
        for (const n of [size, m]) {
          const source = tileHashSource(n, store.read, nodeTreeHasher);
          const root = treeRoot(source, nodeTreeHasher, n);
          expect(bytesToHex(root)).toBe(bytesToHex(naive.mth(0, n)));
          const proof = proveInclusion(source, nodeTreeHasher, i % n, n);
          expect(hex(proof)).toEqual(hex(naive.path(i % n, 0, n)));
          expect(verifyInclusion(nodeTreeHasher, i % n, n, leafHashes[i % n]!, proof, root).ok).toBe(true);
          if (proof.length > 0) {
            const tampered = proof.map((h, k) => (k === i % proof.length ? flip(h) : h));
            expect(verifyInclusion(nodeTreeHasher, i % n, n, leafHashes[i % n]!, tampered, root).ok).toBe(
              false,
            );
          }
        }
        const source = tileHashSource(size, store.read, nodeTreeHasher);
        const consistency = proveConsistency(source, nodeTreeHasher, m, size);
        expect(hex(consistency)).toEqual(hex(naive.proof(m, size)));
        const check = verifyConsistency(
          nodeTreeHasher,
          m,
          size,
          consistency,
          naive.mth(0, m),
          naive.mth(0, size),
        );
        expect(check.ok).toBe(true);
        const resumed = frontierFromTiles(size, store.read);
        expect(bytesToHex(frontierRoot(resumed, nodeTreeHasher))).toBe(bytesToHex(naive.mth(0, size)));
      }),
      { numRuns: 12 },
    );
  });

  it('reads O(log n) tiles for one proof: one per tile level and side of the path', () => {
    const store = new MemoryTileStore(nodeTreeHasher);
    store.append(leafHashes);
    store.reads = 0;
    proveInclusion(tileHashSource(MAX, store.read, nodeTreeHasher), nodeTreeHasher, 12_345, MAX);
    const tileLevels = 3; // 100,000 < 256^3
    expect(store.reads).toBeLessThanOrEqual(2 * tileLevels);
  });
});
