import { checkEnvelope, type Envelope, isEventOfType } from '../events/index.js';
import { decodeBase64 } from '../tlog/bytes.js';
import type { NoteVerifier } from '../tlog/note-keys.js';
import { verifyTlogProof } from '../tlog/tlog-proof.js';
import type { TreeHasher } from '../tlog/tree-hasher.js';
import { renderChecksums } from '../zones/checksums.js';
import type { VersionBundle } from './version-bundle.js';

/** Why a bundle does not prove its version: a tlog-proof failure, or one of the bundle's own. */
export interface BundleFailure {
  code: string;
  message: string;
  seq?: number;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

function decodeEntry(body: Uint8Array): Envelope | undefined {
  try {
    const value: unknown = JSON.parse(decoder.decode(body));
    return checkEnvelope(value).length === 0 ? (value as Envelope) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The publishing run as a coherent stage history of this version: its stages in seq order, each a
 * run.started … run.completed of the one dataset and run; a passed validation.reported before the
 * one version.published of this version, inside a promote stage that completed succeeded.
 */
function historyFailure(bundle: VersionBundle, events: readonly Envelope[]): string | undefined {
  let open: Envelope | undefined;
  let validated = false;
  let published: Envelope | undefined;
  let promote: Envelope | undefined;
  for (const [i, e] of events.entries()) {
    if (e.dataset_id !== bundle.dataset_id || e.run_id !== events[0]!.run_id)
      return `seq ${e.seq} is of ${e.dataset_id} run ${e.run_id}, not of the bundle's run`;
    if (i > 0 && e.seq <= events[i - 1]!.seq) return `seq ${e.seq} is not after seq ${events[i - 1]!.seq}`;
    if (isEventOfType(e, 'run.started')) {
      if (open !== undefined)
        return `seq ${e.seq} starts a stage before the one at seq ${open.seq} completed`;
      open = e;
      continue;
    }
    if (open === undefined) return `seq ${e.seq} (${e.type}) is outside any stage (no run.started before it)`;
    if (isEventOfType(e, 'validation.reported') && e.payload.passed) validated = true;
    if (isEventOfType(e, 'version.published')) {
      if (published !== undefined) return `seq ${e.seq} publishes a second version in one run`;
      if (e.payload.version_id !== bundle.version_id)
        return `seq ${e.seq} publishes ${e.payload.version_id}, not ${bundle.version_id}`;
      if (!validated) return `seq ${e.seq} publishes with no passed validation.reported before it`;
      published = e;
      promote = open;
    }
    if (isEventOfType(e, 'run.completed')) {
      if (promote === open && e.payload.status !== 'succeeded')
        return `the promote stage that published ends ${e.payload.status} at seq ${e.seq}`;
      open = undefined;
    }
  }
  if (published === undefined) return `no version.published of ${bundle.version_id}`;
  if (!isEventOfType(promote!, 'run.started') || promote.payload.stage !== 'promote')
    return `seq ${published.seq} publishes outside a promote stage`;
  if (open !== undefined) return `the stage started at seq ${open.seq} has no run.completed`;
  return undefined;
}

/**
 * Checks a bundle with no ledger: each entry's tlog-proof holds for its body (signed by a trusted
 * key, index = seq - 1), all against one checkpoint; the bodies are valid events forming the
 * version's stage history; the checksums are the ones the version.published event records.
 */
export function checkVersionBundle(
  bundle: VersionBundle,
  trust: { origin: string; verifiers: readonly NoteVerifier[]; hasher: TreeHasher },
): { failures: BundleFailure[]; checkpoint?: string; published?: Envelope } {
  const failures: BundleFailure[] = [];
  const events: Envelope[] = [];
  let checkpoint: string | undefined;
  for (const entry of bundle.entries) {
    const body = decodeBase64(entry.body)!;
    const check = verifyTlogProof(new TextEncoder().encode(entry.proof), trust.hasher.leaf(body), trust);
    if (!check.ok) {
      failures.push({ code: check.failure, message: check.message, seq: entry.seq });
      continue;
    }
    if (check.proof.index !== entry.seq - 1)
      failures.push({
        code: 'BUNDLE_INDEX_MISMATCH',
        message: `the proof is of entry ${check.proof.index}, not ${entry.seq - 1} (seq ${entry.seq})`,
        seq: entry.seq,
      });
    if (checkpoint !== undefined && check.proof.checkpoint !== checkpoint)
      failures.push({
        code: 'BUNDLE_CHECKPOINTS_DIFFER',
        message: `seq ${entry.seq} is proved against another checkpoint than the entries before it`,
        seq: entry.seq,
      });
    checkpoint ??= check.proof.checkpoint;
    const event = decodeEntry(body);
    if (event === undefined || event.seq !== entry.seq)
      failures.push({
        code: 'BUNDLE_EVENT_INVALID',
        message: `entry seq ${entry.seq} is not a valid kfm event of that seq`,
        seq: entry.seq,
      });
    else events.push(event);
  }
  if (failures.length > 0) return { failures };
  const incoherent = historyFailure(bundle, events);
  if (incoherent !== undefined)
    return { failures: [{ code: 'BUNDLE_HISTORY_INCOHERENT', message: incoherent }] };
  const published = events.find((e) => isEventOfType(e, 'version.published'))!;
  if (
    isEventOfType(published, 'version.published') &&
    renderChecksums(published.payload.artifacts) !== bundle.checksums_sha256
  )
    return {
      failures: [
        {
          code: 'BUNDLE_CHECKSUMS_MISMATCH',
          message: `checksums_sha256 is not the artifact list the version.published event at seq ${published.seq} records`,
          seq: published.seq,
        },
      ],
    };
  return { failures, ...(checkpoint === undefined ? {} : { checkpoint }), published };
}
