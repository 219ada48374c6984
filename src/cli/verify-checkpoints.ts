import { KfmError } from '../errors.js';
import { rootsFromEvents } from '../ledger/tree-rebuild.js';
import { encodeBase64, equalBytes } from '../tlog/bytes.js';
import { openCheckpoint } from '../tlog/checkpoint.js';
import { EMPTY_ROOT } from '../tlog/tree-hasher.js';
import { readBytes, trustedKeys } from './commands/verify-proof.js';
import type { GlobalOptions } from './io.js';
import { resolvePaths } from './io.js';
import { withLedger } from './ledger-access.js';

export interface CheckpointOptions {
  checkpoint?: string[];
  vkey?: string[];
}

/** A kept checkpoint that the ledger does not extend, or that does not open; `path` names its file. */
export interface CheckpointFailure {
  code: 'CHECKPOINT_INVALID' | 'TREE_TRUNCATED' | 'TREE_REWRITTEN';
  message: string;
  path: string;
}

/**
 * `kfm verify --checkpoint <note> --vkey <key>` (repeatable): each note must be a checkpoint of
 * this log signed by a trusted key, and the tree over the ledger's events must still have that root
 * at that size, which makes the current tree consistent with it. The tree is recomputed from the
 * event bodies (tree-rebuild.ts), so a tail cut off and re-appended is caught whatever the tiles say.
 */
export async function checkpointFailures(
  options: GlobalOptions & CheckpointOptions,
): Promise<CheckpointFailure[]> {
  const files = options.checkpoint ?? [];
  if (files.length === 0) {
    if (options.vkey !== undefined)
      throw new KfmError('USAGE', '--vkey checks signed checkpoints: give them with --checkpoint <note>');
    return [];
  }
  const verifiers = trustedKeys(options.vkey ?? []);
  if (verifiers.length === 0)
    throw new KfmError('USAGE', '--checkpoint needs --vkey <verifier key> of the log that signed it');
  const failures: CheckpointFailure[] = [];
  const opened: { path: string; size: number; root: Uint8Array }[] = [];
  for (const path of files) {
    const note = await readBytes('--checkpoint', path);
    // Any trusted key's log: the origin is the name of the key that signed it.
    const open =
      verifiers.map((key) => openCheckpoint(note, [key], key.name)).find((o) => o.ok) ??
      openCheckpoint(note, verifiers, verifiers[0]!.name);
    if (!open.ok)
      failures.push({ code: 'CHECKPOINT_INVALID', message: `${open.message} [${open.failure}]`, path });
    else opened.push({ path, size: open.checkpoint.size, root: open.checkpoint.rootHash });
  }
  const tree = await withLedger(resolvePaths(options).ledger, { readOnly: true }, (door) =>
    rootsFromEvents(
      door,
      opened.map((c) => c.size),
    ),
  );
  for (const c of opened) {
    const root = c.size === 0 ? EMPTY_ROOT : tree.roots.get(c.size);
    if (c.size > tree.size)
      failures.push({
        code: 'TREE_TRUNCATED',
        message: `the checkpoint covers ${c.size} events; the ledger has ${tree.size}`,
        path: c.path,
      });
    else if (root === undefined || !equalBytes(root, c.root))
      failures.push({
        code: 'TREE_REWRITTEN',
        message: `the ledger's first ${c.size} events hash to ${root === undefined ? '?' : encodeBase64(root)}, not the checkpoint's root ${encodeBase64(c.root)}`,
        path: c.path,
      });
  }
  return failures;
}
