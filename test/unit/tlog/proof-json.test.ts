import { describe, expect, it } from 'vitest';
import { encodeBase64, utf8Bytes } from '../../../src/tlog/bytes.js';
import type { Checkpoint } from '../../../src/tlog/checkpoint.js';
import { nodeTreeHasher } from '../../../src/tlog/node-tree-hasher.js';
import { checkProofJson, parseProofJson } from '../../../src/tlog/proof-json.js';
import { proveConsistency, proveInclusion, treeRoot } from '../../../src/tlog/prove.js';
import { tileHashSource } from '../../../src/tlog/tiles.js';
import { MemoryTileStore } from './tile-store.js';

const entries = Array.from({ length: 40 }, (_, i) => utf8Bytes(`entry ${i}`));
const store = new MemoryTileStore(nodeTreeHasher);
store.append(entries.map((e) => nodeTreeHasher.leaf(e)));
const source = (size: number) => tileHashSource(size, store.read, nodeTreeHasher);
const root = (size: number) => treeRoot(source(size), nodeTreeHasher, size);
const checkpointOf = (size: number): Checkpoint => ({
  origin: 'log',
  size,
  rootHash: root(size),
  extensions: [],
});

const inclusion = {
  index: 9,
  tree_size: 40,
  leaf_hash: encodeBase64(nodeTreeHasher.leaf(entries[9]!)),
  root_hash: encodeBase64(root(40)),
  proof: proveInclusion(source(40), nodeTreeHasher, 9, 40).map(encodeBase64),
};
const consistency = {
  old_size: 13,
  new_size: 40,
  old_root: encodeBase64(root(13)),
  new_root: encodeBase64(root(40)),
  proof: proveConsistency(source(40), nodeTreeHasher, 13, 40).map(encodeBase64),
};

function parsed(value: unknown) {
  const result = parseProofJson(value);
  if (!result.ok) throw new Error(result.issues.join('; '));
  return result.value;
}

describe('parseProofJson', () => {
  it('tells an inclusion proof from a consistency proof', () => {
    expect(parsed(inclusion).kind).toBe('inclusion');
    expect(parsed(consistency).kind).toBe('consistency');
  });

  it('names each field that is wrong', () => {
    const result = parseProofJson({ ...inclusion, index: -1, root_hash: 'AAAA', proof: ['x'] });
    expect(result).toMatchObject({ ok: false });
    if (result.ok) return;
    expect(result.issues.map((issue) => issue.split(':')[0])).toEqual(['index', 'root_hash', 'proof.0']);
  });
});

describe('checkProofJson', () => {
  it('holds for the proofs as printed', () => {
    expect(checkProofJson(parsed(inclusion), nodeTreeHasher)).toEqual({ ok: true });
    expect(checkProofJson(parsed(consistency), nodeTreeHasher)).toEqual({ ok: true });
  });

  it('with an entry, holds only for that entry', () => {
    expect(checkProofJson(parsed(inclusion), nodeTreeHasher, { entry: entries[9]! })).toEqual({ ok: true });
    expect(checkProofJson(parsed(inclusion), nodeTreeHasher, { entry: entries[10]! })).toEqual({
      ok: false,
      failure: 'LEAF_MISMATCH',
    });
  });

  it("with a checkpoint, holds only if the proof's root at that size is the checkpoint's", () => {
    expect(checkProofJson(parsed(inclusion), nodeTreeHasher, { checkpoint: checkpointOf(40) }).ok).toBe(true);
    expect(checkProofJson(parsed(inclusion), nodeTreeHasher, { checkpoint: checkpointOf(39) })).toEqual({
      ok: false,
      failure: 'CHECKPOINT_MISMATCH',
    });
    for (const size of [13, 40])
      expect(checkProofJson(parsed(consistency), nodeTreeHasher, { checkpoint: checkpointOf(size) }).ok).toBe(
        true,
      );
    const forged = { ...checkpointOf(13), rootHash: root(12) };
    expect(checkProofJson(parsed(consistency), nodeTreeHasher, { checkpoint: forged })).toEqual({
      ok: false,
      failure: 'CHECKPOINT_MISMATCH',
    });
  });
});
