import { join } from 'node:path';
import { isStagingFolder } from '../contract/promotion/publish-version.js';
import { nodeSha256Hex } from '../ledger/node-hasher.js';
import type { AuditFailure } from '../projections/audit-failure.js';
import { renderChecksums } from '../zones/checksums.js';
import type { ZoneLayout } from '../zones/zone-layout.js';
import type { RecordedVersion } from './file-expectations.js';
import { type Digest, datasetFolders, digestOf, listChildren, listTree, shownPath } from './list-tree.js';

const CHECKSUMS = 'checksums.sha256';

/** data/processed/ itself holds only dataset folders: returns them, and a finding for anything else. */
export const checkProcessedZone = (layout: ZoneLayout) =>
  datasetFolders(layout, 'processed', 'PROCESSED_FILE_UNEXPECTED', 'not a dataset folder');

/**
 * data/processed/<id>/: every version folder a version.published recorded holds exactly its
 * artifacts and checksums.sha256, byte for byte, and no folder claims to be a version the ledger
 * never published (a staging folder an interrupted promotion left is TEMP_FILE_LEFT, check-temp-files.ts).
 * `versions`: the dataset's versions (FileExpectations). `tick` is called once per recorded file hashed.
 */
export async function checkProcessedDataset(
  layout: ZoneLayout,
  datasetId: string,
  versions: ReadonlyMap<string, RecordedVersion>,
  tick: () => void,
): Promise<AuditFailure[]> {
  const failures: AuditFailure[] = [];
  const shown = (path: string) => shownPath(layout, 'processed', path);
  const found = await listChildren(join(layout.processed, datasetId));
  for (const name of found.others) {
    failures.push({
      path: shown(`${datasetId}/${name}`),
      code: 'PROCESSED_FILE_UNEXPECTED',
      message: 'not a version folder',
    });
  }
  for (const name of found.folders.filter((f) => !versions.has(f) && !isStagingFolder(f))) {
    failures.push({
      path: shown(`${datasetId}/${name}`),
      code: 'PROCESSED_VERSION_UNRECORDED',
      message: 'no version.published records this version folder',
    });
  }
  for (const [versionId, version] of [...versions].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const at = (name: string) => shown(`${datasetId}/${versionId}${name === '' ? '' : `/${name}`}`);
    if (!found.folders.includes(versionId)) {
      failures.push({
        seq: version.seq,
        path: at(''),
        code: 'PROCESSED_FILE_MISSING',
        message: `the folder of ${versionId}, published at this seq, is gone`,
      });
      for (let i = 0; i <= version.artifacts.length; i++) tick();
      continue;
    }
    const dir = join(layout.processed, datasetId, versionId);
    for (const failure of await checkVersionFolder(dir, version, tick))
      failures.push({ seq: version.seq, ...failure, path: at(failure.path) });
  }
  return failures;
}

type FolderFailure = Omit<AuditFailure, 'path'> & { path: string };

/** Findings inside one version folder, with paths relative to the folder. */
async function checkVersionFolder(
  dir: string,
  version: RecordedVersion,
  tick: () => void,
): Promise<FolderFailure[]> {
  const failures: FolderFailure[] = [];
  const expected = new Map<string, { sha256: string; bytes: number }>();
  for (const a of version.artifacts) {
    // The artifact path is untrusted input: only a plain file name is looked up in the folder.
    if (a.path.includes('/') || a.path === '.' || a.path === '..' || a.path === CHECKSUMS) {
      failures.push({
        path: a.path,
        code: 'PROCESSED_FILE_MISSING',
        message: 'the recorded artifact is not a file name inside its version folder; nothing was read',
      });
    } else expected.set(a.path, { sha256: a.sha256, bytes: a.bytes });
  }
  const checksums = renderedChecksums(version);
  if (checksums !== null) expected.set(CHECKSUMS, checksums);
  for (const [name, want] of expected) {
    const failure = compare(await digestOf(join(dir, name)), want);
    tick();
    if (failure !== null) failures.push({ path: name, ...failure });
  }
  for (const entry of await listTree(dir)) {
    if (expected.has(entry.path) || entry.path === CHECKSUMS) continue;
    failures.push({
      path: entry.path,
      code: 'PROCESSED_FILE_UNEXPECTED',
      message: 'not an artifact of this version: a version folder never changes after promotion',
    });
  }
  return failures;
}

/** checksums.sha256 as the promotion rendered it from the same artifacts; null if it cannot be. */
function renderedChecksums(version: RecordedVersion): { sha256: string; bytes: number } | null {
  try {
    const bytes = Buffer.from(renderChecksums(version.artifacts), 'utf8');
    return { sha256: nodeSha256Hex(bytes), bytes: bytes.byteLength };
  } catch {
    return null; // an artifact list no promotion could write; the artifacts are checked one by one
  }
}

function compare(
  digest: Digest,
  want: { sha256: string; bytes: number },
): Omit<FolderFailure, 'path'> | null {
  if (digest === 'missing') return { code: 'PROCESSED_FILE_MISSING', message: 'recorded, now gone' };
  if (digest === 'not-a-file')
    return { code: 'PROCESSED_FILE_MISMATCH', message: 'not a regular file (a symlink or special file)' };
  if (digest.sha256 === want.sha256 && digest.bytes === want.bytes) return null;
  return {
    code: 'PROCESSED_FILE_MISMATCH',
    message: `sha256 ${digest.sha256} (${digest.bytes} bytes), recorded ${want.sha256} (${want.bytes} bytes)`,
  };
}
