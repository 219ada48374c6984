import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { decodeBase64 } from '../../../src/tlog/bytes.js';
import { nobleTreeHasher } from '../../../src/tlog/noble-tree-hasher.js';
import { nodeTreeHasher } from '../../../src/tlog/node-tree-hasher.js';
import { proveConsistency, proveInclusion, treeRoot } from '../../../src/tlog/prove.js';
import { frontierRoot } from '../../../src/tlog/tile-builder.js';
import { tileHashSource } from '../../../src/tlog/tiles.js';
import { EMPTY_ROOT } from '../../../src/tlog/tree-hasher.js';
import { verifyConsistency, verifyInclusion } from '../../../src/tlog/verify-proof.js';
import { MemoryTileStore } from './tile-store.js';

const VECTORS = join(import.meta.dirname, '../../vectors/merkle');

interface Rfc6962Vectors {
  leaves: string[];
  leafHashes: string[];
  roots: Record<string, string>;
  inclusionProofs: { index: number; size: number; leafHash: string; root: string; proof: string[] }[];
  consistencyProofs: { size1: number; size2: number; root1: string; root2: string; proof: string[] }[];
}
const rfc = JSON.parse(readFileSync(join(VECTORS, 'rfc6962-vectors.json'), 'utf8')) as Rfc6962Vectors;

const hex = (hashes: readonly Uint8Array[]) => hashes.map(bytesToHex);

/** The 8-leaf tree built through the tile builder, one leaf at a time, as the ledger will. */
function vectorTree(): MemoryTileStore {
  const store = new MemoryTileStore(nobleTreeHasher);
  for (const leaf of rfc.leaves) store.append([nobleTreeHasher.leaf(hexToBytes(leaf))]);
  return store;
}

describe('the RFC 6962 vectors (transparency-dev/merkle)', () => {
  const store = vectorTree();
  const source = (size: number) => tileHashSource(size, store.read, nobleTreeHasher);

  it("agree with EMPTY_ROOT, the empty tree's root written out: SHA-256 of no bytes", () => {
    expect(bytesToHex(EMPTY_ROOT)).toBe(bytesToHex(sha256(new Uint8Array(0))));
  });

  it('give every leaf hash', () => {
    expect(rfc.leaves.map((leaf) => bytesToHex(nobleTreeHasher.leaf(hexToBytes(leaf))))).toEqual(
      rfc.leafHashes,
    );
  });

  it('give the root of every size 0-8, from the tiles and from the frontier', () => {
    const fromTiles = Object.keys(rfc.roots).map((n) =>
      bytesToHex(treeRoot(source(8), nobleTreeHasher, Number(n))),
    );
    expect(fromTiles).toEqual(Object.values(rfc.roots));
    const frontiers = new MemoryTileStore(nobleTreeHasher);
    const fromFrontier = [bytesToHex(frontierRoot(frontiers.frontier, nobleTreeHasher))];
    for (const leaf of rfc.leaves) {
      frontiers.append([nobleTreeHasher.leaf(hexToBytes(leaf))]);
      fromFrontier.push(bytesToHex(frontierRoot(frontiers.frontier, nobleTreeHasher)));
    }
    expect(fromFrontier).toEqual(Object.values(rfc.roots));
  });

  describe.each(rfc.inclusionProofs)('inclusion of index $index in size $size', (v) => {
    it('is proved with exactly the vector hashes, read from the tiles of that size', () => {
      expect(hex(proveInclusion(source(v.size), nobleTreeHasher, v.index, v.size))).toEqual(v.proof);
    });
    it('verifies', () => {
      const check = verifyInclusion(
        nobleTreeHasher,
        v.index,
        v.size,
        hexToBytes(v.leafHash),
        v.proof.map(hexToBytes),
        hexToBytes(v.root),
      );
      expect(check).toEqual({ ok: true });
    });
  });

  describe.each(rfc.consistencyProofs)('consistency of size $size1 with size $size2', (v) => {
    it('is proved with exactly the vector hashes', () => {
      expect(hex(proveConsistency(source(v.size2), nobleTreeHasher, v.size1, v.size2))).toEqual(v.proof);
    });
    it('verifies', () => {
      const check = verifyConsistency(
        nobleTreeHasher,
        v.size1,
        v.size2,
        v.proof.map(hexToBytes),
        hexToBytes(v.root1),
        hexToBytes(v.root2),
      );
      expect(check).toEqual({ ok: true });
    });
  });
});

function jsonFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? jsonFiles(path) : name.endsWith('.json') ? [path] : [];
    });
}

const PROBES = join(VECTORS, 'transparency-dev-testdata');
const b64 = (text: string) => {
  const bytes = decodeBase64(text);
  if (bytes === undefined) throw new Error(`probe holds bad base64: ${text}`);
  return bytes;
};

interface InclusionProbe {
  leafIdx: number;
  treeSize: number;
  root: string;
  leafHash: string;
  proof: string[] | null;
  wantErr: boolean;
}
interface ConsistencyProbe {
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[] | null;
  wantErr: boolean;
}

const inclusionProbes = jsonFiles(join(PROBES, 'inclusion')).map((path) => ({
  name: relative(PROBES, path),
  probe: JSON.parse(readFileSync(path, 'utf8')) as InclusionProbe,
}));
const consistencyProbes = jsonFiles(join(PROBES, 'consistency')).map((path) => ({
  name: relative(PROBES, path),
  probe: JSON.parse(readFileSync(path, 'utf8')) as ConsistencyProbe,
}));

describe('the transparency-dev golden probes', () => {
  it('are all here: 98 inclusion and 98 consistency, 12 of them meant to pass', () => {
    expect([inclusionProbes.length, consistencyProbes.length]).toEqual([98, 98]);
    const passing = [...inclusionProbes, ...consistencyProbes].filter(({ probe }) => !probe.wantErr);
    expect(passing).toHaveLength(12);
  });

  describe.each([
    ['the portable hasher', nobleTreeHasher],
    ['the node:crypto hasher', nodeTreeHasher],
  ])('with %s', (_, hasher) => {
    it.each(inclusionProbes)('inclusion $name holds exactly when it should', ({ probe }) => {
      const check = verifyInclusion(
        hasher,
        probe.leafIdx,
        probe.treeSize,
        b64(probe.leafHash),
        (probe.proof ?? []).map(b64),
        b64(probe.root),
      );
      expect(check.ok).toBe(!probe.wantErr);
    });

    it.each(consistencyProbes)('consistency $name holds exactly when it should', ({ probe }) => {
      const check = verifyConsistency(
        hasher,
        probe.size1,
        probe.size2,
        (probe.proof ?? []).map(b64),
        b64(probe.root1),
        b64(probe.root2),
      );
      expect(check.ok).toBe(!probe.wantErr);
    });
  });
});
