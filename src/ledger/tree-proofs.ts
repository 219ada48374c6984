import { readFile } from 'node:fs/promises';
import { KfmError } from '../errors.js';
import { encodeBase64 } from '../tlog/bytes.js';
import { parseCheckpointText } from '../tlog/checkpoint.js';
import { nodeEd25519 } from '../tlog/node-ed25519.js';
import { nodeTreeHasher } from '../tlog/node-tree-hasher.js';
import { type NoteSigner, parseSignerKey } from '../tlog/note-keys.js';
import type { ConsistencyProofJson, InclusionProofJson } from '../tlog/proof-json.js';
import { proveConsistency, proveInclusion, treeRoot } from '../tlog/prove.js';
import { signNote } from '../tlog/signed-note.js';
import { planCheckpoint } from '../tlog/tree-checkpoint.js';
import type { LedgerDoor } from './ledger-door.js';
import { withTreeHashes } from './tree-reads.js';

/**
 * The transparency log's operations on a ledger behind the door (docs/transparency-log.md): proofs
 * in the JSON of src/tlog/proof-json.ts, checked by `kfm verify-proof`, and signed checkpoints.
 */

/** A size given by the caller, within the tree (default: the whole tree). */
function sizeWithin(treeSize: number, size: number | undefined, flag: string): number {
  const wanted = size ?? treeSize;
  if (!Number.isSafeInteger(wanted) || wanted < 1 || wanted > treeSize)
    throw new KfmError(
      'USAGE',
      `${flag} ${wanted}: the ledger's tree has ${treeSize} entries; give a size from 1 to ${treeSize}`,
      { details: { size: wanted, tree_size: treeSize } },
    );
  return wanted;
}

/** RFC 9162 §2.1.3: entry `seq - 1` in the tree of `size` (default: the current tree). */
export async function inclusionProof(
  door: LedgerDoor,
  seq: number,
  size?: number,
): Promise<InclusionProofJson> {
  const treeSize = sizeWithin(await door.treeSize(), size, '--size');
  if (!Number.isSafeInteger(seq) || seq < 1 || seq > treeSize)
    throw new KfmError('USAGE', `seq ${seq} is not in the tree of size ${treeSize}`, {
      details: { seq, tree_size: treeSize },
    });
  const rows = door.read({ from_seq: seq, to_seq: seq });
  let body: Uint8Array | undefined;
  for await (const row of rows) body = row.body;
  const { proof, root } = await withTreeHashes(door, treeSize, (source) => ({
    proof: proveInclusion(source, nodeTreeHasher, seq - 1, treeSize),
    root: treeRoot(source, nodeTreeHasher, treeSize),
  }));
  return {
    index: seq - 1,
    tree_size: treeSize,
    leaf_hash: encodeBase64(nodeTreeHasher.leaf(body!)),
    root_hash: encodeBase64(root),
    proof: proof.map(encodeBase64),
  };
}

/** RFC 9162 §2.1.4: the tree of `oldSize` is a prefix of the tree of `newSize` (default: the current tree). */
export async function consistencyProof(
  door: LedgerDoor,
  oldSize: number,
  newSize?: number,
): Promise<ConsistencyProofJson> {
  const size2 = sizeWithin(await door.treeSize(), newSize, 'new size');
  const size1 = sizeWithin(size2, oldSize, 'old size');
  return withTreeHashes(door, size2, (source) => ({
    old_size: size1,
    new_size: size2,
    old_root: encodeBase64(treeRoot(source, nodeTreeHasher, size1)),
    new_root: encodeBase64(treeRoot(source, nodeTreeHasher, size2)),
    proof: proveConsistency(source, nodeTreeHasher, size1, size2).map(encodeBase64),
  }));
}

/** The signing key in `file` (written by `kfm key generate`); `flag` names where it came from. */
export async function readSigningKey(file: string, flag: string): Promise<NoteSigner & { vkey: string }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new KfmError(
      code === 'ENOENT' ? 'NOT_FOUND' : 'IO',
      `${flag} ${file}: cannot read the signing key (${code ?? (error as Error).message}); make one with \`kfm key generate\``,
      { details: { file } },
    );
  }
  const parsed = parseSignerKey(text.trimEnd(), nodeEd25519);
  if (!parsed.ok)
    throw new KfmError(
      'INVALID_INPUT',
      `${flag} ${file}: not a signing key (${parsed.message}) [${parsed.failure}]`,
      {
        details: { file, failure: parsed.failure },
      },
    );
  return parsed.key;
}

export interface SignedCheckpoint {
  origin: string;
  size: number;
  root_hash: string;
  note: string;
}

/**
 * Signs the current tree as a C2SP tlog-checkpoint (the origin is the key's name) and stores it.
 * Refuses (TREE_TRUNCATED, TREE_REWRITTEN) a tree that does not extend the last checkpoint stored:
 * a log must never sign two views of its history (docs/transparency-log.md, "Checkpoints").
 */
export async function signCheckpoint(
  door: LedgerDoor,
  signer: NoteSigner,
  now: () => Date = () => new Date(),
): Promise<SignedCheckpoint> {
  const size = await door.treeSize();
  const last = await door.lastCheckpoint();
  const lastParsed =
    last === undefined ? undefined : checkpointText(door, last.note.slice(0, last.note.indexOf('\n\n') + 1));
  const plan = await withTreeHashes(door, size, (source) =>
    planCheckpoint({ origin: signer.name, size, source, hasher: nodeTreeHasher }, lastParsed),
  );
  if (!plan.ok)
    throw new KfmError(
      plan.failure,
      `refusing to sign: ${plan.message} (last checkpoint signed at ${last!.signed_at}); the ledger's history changed since: run \`kfm verify --checkpoint\` with the kept checkpoints`,
      { details: { ledger: door.target, last_checkpoint: last, tree_size: size } },
    );
  const note = signNote(plan.text, [signer]);
  const root_hash = encodeBase64(checkpointText(door, plan.text).rootHash);
  await door.storeCheckpoint({
    origin: signer.name,
    tree_size: size,
    root_hash,
    note,
    signed_at: now().toISOString(),
  });
  return { origin: signer.name, size, root_hash, note };
}

/** A checkpoint's text (a stored note's, up to its blank line) as a checkpoint; STORAGE_CORRUPT if it is none. */
function checkpointText(door: LedgerDoor, text: string) {
  const parsed = parseCheckpointText(text);
  if (!parsed.ok)
    throw new KfmError(
      'STORAGE_CORRUPT',
      `a checkpoint stored in ${door.target} is not a checkpoint (${parsed.message})`,
      { details: { ledger: door.target } },
    );
  return parsed.checkpoint;
}
