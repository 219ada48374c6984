import { describe, expect, it } from 'vitest';
import { encodeBase64, utf8Bytes } from '../../../src/tlog/bytes.js';
import { formatCheckpointText } from '../../../src/tlog/checkpoint.js';
import { nodeTreeHasher } from '../../../src/tlog/node-tree-hasher.js';
import { proveInclusion, treeRoot } from '../../../src/tlog/prove.js';
import { signNote } from '../../../src/tlog/signed-note.js';
import { tileHashSource } from '../../../src/tlog/tiles.js';
import { formatTlogProof, parseTlogProof, verifyTlogProof } from '../../../src/tlog/tlog-proof.js';
import { c2spSpec, fencedAfter, newTestKey } from './note-fixtures.js';
import { MemoryTileStore } from './tile-store.js';

const ORIGIN = 'kfm.example/log';
const SIZE = 1000;
const entries = Array.from({ length: SIZE }, (_, i) => utf8Bytes(`{"seq":${i + 1}}`));
const store = new MemoryTileStore(nodeTreeHasher);
store.append(entries.map((e) => nodeTreeHasher.leaf(e)));
const source = tileHashSource(SIZE, store.read, nodeTreeHasher);
const log = newTestKey(ORIGIN);
const checkpoint = signNote(
  formatCheckpointText({
    origin: ORIGIN,
    size: SIZE,
    rootHash: treeRoot(source, nodeTreeHasher, SIZE),
    extensions: [],
  }),
  [log.signer],
);
const trust = { origin: ORIGIN, verifiers: [log.verifier], hasher: nodeTreeHasher };

function proofOf(index: number, extra?: Uint8Array): string {
  const proof = proveInclusion(source, nodeTreeHasher, index, SIZE);
  return formatTlogProof({ ...(extra === undefined ? {} : { extra }), index, proof, checkpoint });
}
const verify = (text: string, index: number) =>
  verifyTlogProof(utf8Bytes(text), nodeTreeHasher.leaf(entries[index]!), trust);

describe('the tlog-proof example (tlog-proof.md)', () => {
  it('parses: extra data, index, five hashes and the checkpoint verbatim', () => {
    const example = fencedAfter(c2spSpec('tlog-proof'), 'application-specific meaning.');
    const parsed = parseTlogProof(utf8Bytes(example));
    expect(parsed).toMatchObject({ ok: true, proof: { index: 73894 } });
    if (!parsed.ok) return;
    expect(parsed.proof.proof).toHaveLength(5);
    expect(parsed.proof.extra).toBeDefined();
    expect(parsed.proof.checkpoint.startsWith('example.com/fancylog\n109482\n')).toBe(true);
    expect(formatTlogProof(parsed.proof)).toBe(example);
  });
});

describe('a tlog proof of an entry', () => {
  it('is laid out as the spec says and verifies offline', () => {
    const text = proofOf(7);
    const lines = text.split('\n');
    expect(lines.slice(0, 2)).toEqual(['c2sp.org/tlog-proof@v1', 'index 7']);
    expect(text.endsWith(`\n\n${checkpoint}`)).toBe(true);
    expect(verify(text, 7)).toMatchObject({ ok: true, checkpoint: { origin: ORIGIN, size: SIZE } });
  });

  it('carries extra data, unauthenticated', () => {
    const text = proofOf(999, utf8Bytes('context'));
    expect(text.split('\n')[1]).toBe(`extra ${encodeBase64(utf8Bytes('context'))}`);
    expect(verify(text, 999)).toMatchObject({ ok: true, proof: { extra: utf8Bytes('context') } });
  });

  it('does not verify for another entry', () => {
    expect(verify(proofOf(7), 8)).toMatchObject({ ok: false, failure: 'ROOT_MISMATCH' });
  });

  it('does not verify with a key the verifier does not trust, nor for another log', () => {
    const stranger = newTestKey(ORIGIN);
    expect(
      verifyTlogProof(utf8Bytes(proofOf(7)), nodeTreeHasher.leaf(entries[7]!), {
        ...trust,
        verifiers: [stranger.verifier],
      }),
    ).toMatchObject({ ok: false, failure: 'NO_KNOWN_SIGNATURE' });
    expect(
      verifyTlogProof(utf8Bytes(proofOf(7)), nodeTreeHasher.leaf(entries[7]!), {
        ...trust,
        origin: 'other.example/log',
      }),
    ).toMatchObject({ ok: false, failure: 'ORIGIN_MISMATCH' });
  });

  it('is refused when an index lies outside the checkpoint', () => {
    const text = proofOf(7).replace('index 7\n', `index ${SIZE}\n`);
    expect(verify(text, 7)).toMatchObject({ ok: false, failure: 'OUT_OF_RANGE' });
  });

  it.each([
    ['another header', (t: string) => t.replace('c2sp.org/tlog-proof@v1', 'c2sp.org/tlog-proof@v2')],
    ['an index with a leading zero', (t: string) => t.replace('index 7', 'index 07')],
    ['no index line', (t: string) => t.replace('index 7\n', '')],
    ['a hash line that is not 32 bytes', (t: string) => t.replace('index 7\n', 'index 7\nAAAA\n')],
    ['empty extra data', (t: string) => t.replace('index 7', 'extra \nindex 7')],
    ['no blank line before the checkpoint', (t: string) => t.replace('\n\n', '\n')],
    ['no checkpoint', (t: string) => t.slice(0, t.indexOf('\n\n') + 2)],
  ])('is refused with %s', (_, mangle) => {
    expect(verify(mangle(proofOf(7)), 7)).toMatchObject({ ok: false, failure: 'TLOG_PROOF_MALFORMED' });
  });

  it('is refused after every truncation', () => {
    const bytes = utf8Bytes(proofOf(300));
    const leaf = nodeTreeHasher.leaf(entries[300]!);
    const accepted = Array.from({ length: bytes.length }, (_, n) => n).filter(
      (n) => verifyTlogProof(bytes.subarray(0, n), leaf, trust).ok,
    );
    expect(accepted).toEqual([]);
  });
});
