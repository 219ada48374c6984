import { describe, expect, it } from 'vitest';
import { encodeBase64, utf8Bytes } from '../../../src/tlog/bytes.js';
import { parseCheckpointText } from '../../../src/tlog/checkpoint.js';
import { nodeTreeHasher } from '../../../src/tlog/node-tree-hasher.js';
import { treeRoot } from '../../../src/tlog/prove.js';
import { tileHashSource } from '../../../src/tlog/tiles.js';
import { checkTreeExtends, planCheckpoint } from '../../../src/tlog/tree-checkpoint.js';
import { MemoryTileStore } from './tile-store.js';

/** A log of `size` entries; `rewrite` changes the entry at that index (a forged history). */
function log(size: number, rewrite?: number) {
  const store = new MemoryTileStore(nodeTreeHasher);
  const entries = Array.from({ length: size }, (_, i) => utf8Bytes(i === rewrite ? 'forged' : `entry ${i}`));
  store.append(entries.map((e) => nodeTreeHasher.leaf(e)));
  const source = tileHashSource(size, store.read, nodeTreeHasher);
  return { origin: 'kfm.example/log', size, source, hasher: nodeTreeHasher };
}
const signedAt = (size: number) => ({ size, rootHash: treeRoot(log(size).source, nodeTreeHasher, size) });

describe('planCheckpoint', () => {
  it('gives the checkpoint text of the whole tree', () => {
    const planned = planCheckpoint(log(700), undefined);
    if (!planned.ok) throw new Error(planned.message);
    const parsed = parseCheckpointText(planned.text);
    if (!parsed.ok) throw new Error(parsed.message);
    expect(parsed.checkpoint).toMatchObject({ origin: 'kfm.example/log', size: 700 });
    expect(encodeBase64(parsed.checkpoint.rootHash)).toBe(encodeBase64(signedAt(700).rootHash));
  });

  it('signs a tree that extends the last signed checkpoint, or equals it', () => {
    expect(planCheckpoint(log(700), signedAt(300)).ok).toBe(true);
    expect(planCheckpoint(log(700), signedAt(700)).ok).toBe(true);
  });

  it('refuses a tree cut below the last signed checkpoint', () => {
    expect(planCheckpoint(log(299), signedAt(300))).toMatchObject({ ok: false, failure: 'TREE_TRUNCATED' });
  });

  it('refuses a tree whose history under the last checkpoint changed, even if it grew', () => {
    expect(planCheckpoint(log(700, 299), signedAt(300))).toMatchObject({
      ok: false,
      failure: 'TREE_REWRITTEN',
    });
    expect(checkTreeExtends(signedAt(300), 700, log(700, 300).source, nodeTreeHasher)).toEqual({ ok: true });
  });
});
