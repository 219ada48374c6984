import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeBase64, utf8Bytes } from '../../src/tlog/bytes.js';
import { formatCheckpointText } from '../../src/tlog/checkpoint.js';
import { nodeEd25519 } from '../../src/tlog/node-ed25519.js';
import { nodeTreeHasher } from '../../src/tlog/node-tree-hasher.js';
import { parseSignerKey } from '../../src/tlog/note-keys.js';
import type { ConsistencyProofJson, InclusionProofJson } from '../../src/tlog/proof-json.js';
import { proveConsistency, proveInclusion, treeRoot } from '../../src/tlog/prove.js';
import { signNote } from '../../src/tlog/signed-note.js';
import { appendLeafHashes, EMPTY_FRONTIER } from '../../src/tlog/tile-builder.js';
import { type Tile, tileHashSource } from '../../src/tlog/tiles.js';
import { formatTlogProof } from '../../src/tlog/tlog-proof.js';
import { runKfm, runKfmJson } from '../support/kfm-cli.js';
import { useTempDirs } from '../support/temp-dirs.js';

const ORIGIN = 'kfm.example.org/proofs';
const SIZE = 600;
const entries = Array.from({ length: SIZE }, (_, i) => utf8Bytes(`{"seq":${i + 1},"type":"x.test"}`));
const { tiles } = appendLeafHashes(
  EMPTY_FRONTIER,
  entries.map((e) => nodeTreeHasher.leaf(e)),
  nodeTreeHasher,
);
const stored = new Map<string, Tile>(tiles.map((t) => [`${t.level}/${t.index}`, t]));
const source = (size: number) =>
  tileHashSource(
    size,
    (id) => stored.get(`${id.level}/${id.index}`)!.hashes.subarray(0, id.width * 32),
    nodeTreeHasher,
  );
const root = (size: number) => treeRoot(source(size), nodeTreeHasher, size);
const b64 = (hashes: Uint8Array[]) => hashes.map(encodeBase64);

function inclusion(index: number, size = SIZE): InclusionProofJson {
  return {
    index,
    tree_size: size,
    leaf_hash: encodeBase64(nodeTreeHasher.leaf(entries[index]!)),
    root_hash: encodeBase64(root(size)),
    proof: b64(proveInclusion(source(size), nodeTreeHasher, index, size)),
  };
}

function consistency(oldSize: number, newSize: number): ConsistencyProofJson {
  return {
    old_size: oldSize,
    new_size: newSize,
    old_root: encodeBase64(root(oldSize)),
    new_root: encodeBase64(root(newSize)),
    proof: b64(proveConsistency(source(newSize), nodeTreeHasher, oldSize, newSize)),
  };
}

interface Outcome {
  ok: boolean;
  kind: string;
  failure?: string;
}

describe('kfm verify-proof', () => {
  const tempDir = useTempDirs('verify-proof');
  const dir = tempDir();
  const file = (name: string, content: string | Uint8Array) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const verify = (args: string[]) => runKfmJson<Outcome>(['--json', 'verify-proof', ...args]);

  /** A key made by `kfm key generate`, and a checkpoint of `size` signed with it. */
  async function signedCheckpoint(size: number, keyFile: string): Promise<{ vkey: string; path: string }> {
    const generated = await runKfmJson<{ vkey: string }>([
      '--root',
      dir,
      '--json',
      'key',
      'generate',
      '--name',
      ORIGIN,
      '--out',
      join(dir, keyFile),
    ]);
    const signer = parseSignerKey(readFileSync(join(dir, keyFile), 'utf8').trimEnd(), nodeEd25519);
    if (!signer.ok) throw new Error(signer.message);
    const text = formatCheckpointText({ origin: ORIGIN, size, rootHash: root(size), extensions: [] });
    return { vkey: generated.json.vkey, path: file(`${keyFile}.checkpoint`, signNote(text, [signer.key])) };
  }

  it('accepts an inclusion proof, also read from stdin, and refuses one with a changed hash (exit 1)', async () => {
    const good = inclusion(123);
    expect((await verify([file('inc.json', JSON.stringify(good))])).json).toEqual({
      ok: true,
      kind: 'inclusion',
    });
    const viaStdin = await runKfmJson<Outcome>(['--json', 'verify-proof'], { input: JSON.stringify(good) });
    expect(viaStdin.json).toEqual({ ok: true, kind: 'inclusion' });
    const bad = { ...good, proof: [good.proof[1], good.proof[0], ...good.proof.slice(2)] };
    const run = await verify([file('inc-bad.json', JSON.stringify(bad))]);
    expect(run.status).toBe(1);
    expect(run.json).toMatchObject({ ok: false, failure: 'ROOT_MISMATCH' });
    const human = await Promise.all(
      [join(dir, 'inc.json'), join(dir, 'inc-bad.json')].map((f) => runKfm(['verify-proof', f])),
    );
    expect(human.map((h) => [h.status, h.stdout.split('  ')[0]])).toEqual([
      [0, 'ok: the inclusion proof holds\n'],
      [1, 'FAILED: ROOT_MISMATCH'],
    ]);
  });

  it('ties an inclusion proof to the entry bytes with --entry', async () => {
    const proof = file('inc-7.json', JSON.stringify(inclusion(7)));
    expect((await verify([proof, '--entry', file('e7', entries[7]!)])).status).toBe(0);
    const other = await verify([proof, '--entry', file('e8', entries[8]!)]);
    expect([other.status, other.json.failure]).toEqual([1, 'LEAF_MISMATCH']);
  });

  it('accepts a consistency proof and refuses it for other sizes', async () => {
    const good = consistency(100, 600);
    expect((await verify([file('con.json', JSON.stringify(good))])).json).toEqual({
      ok: true,
      kind: 'consistency',
    });
    const run = await verify([file('con-bad.json', JSON.stringify({ ...good, old_size: 99 }))]);
    expect(run.status).toBe(1);
    expect(run.json.ok).toBe(false);
  });

  it('anchors the root to a checkpoint signed by a trusted key with --checkpoint and --vkey', async () => {
    const { vkey, path } = await signedCheckpoint(SIZE, 'a.key');
    const proof = file('inc-anchored.json', JSON.stringify(inclusion(5)));
    expect((await verify([proof, '--checkpoint', path, '--vkey', vkey])).json).toEqual({
      ok: true,
      kind: 'inclusion',
    });

    const other = await signedCheckpoint(SIZE, 'b.key');
    const untrusted = await verify([proof, '--checkpoint', other.path, '--vkey', vkey]);
    expect([untrusted.status, untrusted.json.failure]).toEqual([1, 'NO_KNOWN_SIGNATURE']);

    const older = await signedCheckpoint(300, 'c.key');
    const mismatch = await verify([proof, '--checkpoint', older.path, '--vkey', older.vkey]);
    expect([mismatch.status, mismatch.json.failure]).toEqual([1, 'CHECKPOINT_MISMATCH']);
    const grown = file('con-anchored.json', JSON.stringify(consistency(300, 600)));
    expect((await verify([grown, '--checkpoint', older.path, '--vkey', older.vkey])).status).toBe(0);
  });

  it('verifies a C2SP tlog-proof of an entry against the log key', async () => {
    const { vkey, path } = await signedCheckpoint(SIZE, 'd.key');
    const text = formatTlogProof({
      index: 42,
      proof: proveInclusion(source(SIZE), nodeTreeHasher, 42, SIZE),
      checkpoint: readFileSync(path, 'utf8'),
    });
    const proof = file('e42.tlog-proof', text);
    const ok = await verify([proof, '--entry', file('e42', entries[42]!), '--vkey', vkey]);
    expect(ok.json).toEqual({ ok: true, kind: 'tlog-proof' });
    const wrong = await verify([proof, '--entry', file('e43', entries[43]!), '--vkey', vkey]);
    expect([wrong.status, wrong.json.failure]).toEqual([1, 'ROOT_MISMATCH']);
    const cut = await verify([
      file('cut.tlog-proof', text.slice(0, -10)),
      '--entry',
      join(dir, 'e42'),
      '--vkey',
      vkey,
    ]);
    expect(cut.status).toBe(1);
  });

  it('exits 2 naming the problem for input that is no proof', async () => {
    const notJson = await runKfm(['verify-proof', file('junk', 'not json')]);
    expect(notJson.status).toBe(2);
    expect(notJson.stderr).toContain('not JSON');
    const { proof: _, ...noProof } = inclusion(1);
    const missing = await runKfm(['verify-proof', file('missing.json', JSON.stringify(noProof))]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('proof:');
    const shortHash = await runKfm([
      'verify-proof',
      file('short.json', JSON.stringify({ ...inclusion(1), root_hash: 'AAAA' })),
    ]);
    expect(shortHash.status).toBe(2);
    expect(shortHash.stderr).toContain('root_hash');
    const badVkey = await runKfm([
      'verify-proof',
      file('inc-3.json', JSON.stringify(inclusion(3))),
      '--checkpoint',
      file('unread.checkpoint', 'the bad --vkey is refused first'),
      '--vkey',
      'nope',
    ]);
    expect(badVkey.status).toBe(2);
    expect(badVkey.stderr).toContain('--vkey nope');
  });
});
