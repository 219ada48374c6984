import { describe, expect, it } from 'vitest';
import { checkVersionBundle } from '../../../src/audit/check-version-bundle.js';
import type { VersionBundle } from '../../../src/audit/version-bundle.js';
import { nodeEventHasher } from '../../../src/ledger/node-hasher.js';
import type { StoredRow } from '../../../src/ledger/pure/verify-chain.js';
import { withTreeHashes } from '../../../src/ledger/tree-reads.js';
import { encodeBase64 } from '../../../src/tlog/bytes.js';
import { formatCheckpointText } from '../../../src/tlog/checkpoint.js';
import { newEd25519Seed, nodeEd25519 } from '../../../src/tlog/node-ed25519.js';
import { nodeTreeHasher } from '../../../src/tlog/node-tree-hasher.js';
import {
  formatSignerKey,
  formatVerifierKey,
  parseSignerKey,
  parseVerifierKey,
} from '../../../src/tlog/note-keys.js';
import { proveInclusion, treeRoot } from '../../../src/tlog/prove.js';
import { signNote } from '../../../src/tlog/signed-note.js';
import { formatTlogProof } from '../../../src/tlog/tlog-proof.js';
import { renderChecksums } from '../../../src/zones/checksums.js';
import { AUDIT_DS, artifact, publishedPayload, stage, validation } from '../../support/audit-history.js';
import { memoryKfmLedger } from '../../support/kfm-ledgers.js';

// The offline checks of `kfm verify-bundle` beyond the proofs: a bundle whose every proof holds
// must still be the stage history of its version, with the checksums its version.published records.

const ORIGIN = 'kfm.local/bundle-test';
const RUN = '01J0000000000000000000RUN1';
const OTHER_RUN = '01J0000000000000000000RUN2';
const version = publishedPayload([artifact('a.csv', 'a')]);
function keyPair() {
  const seed = newEd25519Seed();
  const signer = parseSignerKey(formatSignerKey(ORIGIN, seed, nodeEd25519), nodeEd25519);
  const verifier = parseVerifierKey(formatVerifierKey(ORIGIN, nodeEd25519.publicKey(seed)), nodeEd25519);
  if (!signer.ok || !verifier.ok) throw new Error('the test key does not parse');
  return { signer: signer.key, verifier: verifier.key };
}
const keys = keyPair();
const trust = { origin: ORIGIN, verifiers: [keys.verifier], hasher: nodeTreeHasher };

/** A ledger holding the run's stages and another run's, a signed checkpoint, and a bundle builder. */
async function signedLog() {
  const door = memoryKfmLedger({ actor: { tool: 'kfm', tool_version: 'test' }, hasher: nodeEventHasher });
  const drafts = [
    ...stage(RUN, 'ingest'),
    ...stage(OTHER_RUN, 'ingest'),
    ...stage(RUN, 'validate', validation(true)),
    ...stage(RUN, 'promote', ['version.published', version]),
  ].map(([run_id, type, payload]) => ({ type, dataset_id: AUDIT_DS, run_id, payload }));
  await door.append(drafts);
  const rows: StoredRow[] = [];
  for await (const row of door.read()) rows.push(row);
  const size = rows.length;
  const { root, proofs } = await withTreeHashes(door, size, (source) => ({
    root: treeRoot(source, nodeTreeHasher, size),
    proofs: rows.map((r) => proveInclusion(source, nodeTreeHasher, r.seq - 1, size)),
  }));
  const note = signNote(formatCheckpointText({ origin: ORIGIN, size, rootHash: root, extensions: [] }), [
    keys.signer,
  ]);
  const bundle = (keep: (row: StoredRow) => boolean = (r) => r.run_id === RUN): VersionBundle => ({
    kind: 'kfm.version_bundle',
    dataset_id: AUDIT_DS,
    version_id: version.version_id,
    entries: rows.filter(keep).map((row) => ({
      seq: row.seq,
      body: encodeBase64(row.body),
      proof: formatTlogProof({ index: row.seq - 1, proof: proofs[row.seq - 1]!, checkpoint: note }),
    })),
    checksums_sha256: renderChecksums(version.artifacts as { path: string; sha256: string }[]),
  });
  return { rows, bundle };
}

const codes = (bundle: VersionBundle) =>
  checkVersionBundle(bundle, trust).failures.map((f) => [f.code, f.message]);

describe('checkVersionBundle', () => {
  it('accepts the publishing run: ingest, validate (passed), promote (published, succeeded)', async () => {
    const { bundle } = await signedLog();
    expect(bundle().entries.map((e) => e.seq)).toEqual([1, 2, 5, 6, 7, 8, 9, 10]);
    expect(codes(bundle())).toEqual([]);
  });

  it('refuses a history without the passed validation, or a stage left open', async () => {
    const { rows, bundle } = await signedLog();
    const typeOf = (seq: number) => rows[seq - 1]!.type;
    expect(codes(bundle((r) => r.run_id === RUN && r.type !== 'validation.reported'))).toEqual([
      ['BUNDLE_HISTORY_INCOHERENT', 'seq 9 publishes with no passed validation.reported before it'],
    ]);
    expect(typeOf(10)).toBe('run.completed');
    expect(codes(bundle((r) => r.run_id === RUN && r.seq !== 10))).toEqual([
      ['BUNDLE_HISTORY_INCOHERENT', 'the stage started at seq 8 has no run.completed'],
    ]);
    expect(codes(bundle((r) => r.seq <= 5))).toEqual([
      ['BUNDLE_HISTORY_INCOHERENT', `seq 3 is of ${AUDIT_DS} run ${OTHER_RUN}, not of the bundle's run`],
    ]);
  });

  it('refuses another version id, other checksums, and a body moved to another seq', async () => {
    const { bundle } = await signedLog();
    expect(codes({ ...bundle(), version_id: 'v0000000000000000' })).toEqual([
      ['BUNDLE_HISTORY_INCOHERENT', `seq 9 publishes ${version.version_id}, not v0000000000000000`],
    ]);
    expect(codes({ ...bundle(), checksums_sha256: '' })[0]![0]).toBe('BUNDLE_CHECKSUMS_MISMATCH');
    const moved = bundle();
    moved.entries[1] = { ...moved.entries[1]!, body: moved.entries[2]!.body };
    expect(checkVersionBundle(moved, trust).failures.map((f) => [f.seq, f.code])).toEqual([
      [2, 'ROOT_MISMATCH'],
    ]);
  });
});
