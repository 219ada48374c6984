import { join } from 'node:path';
import type { AuditFailure } from '../projections/audit-failure.js';
import { unsafePathReason } from '../zones/relative-path.js';
import type { ZoneLayout } from '../zones/zone-layout.js';
import type { RecordedFile } from './file-expectations.js';
import { type Digest, datasetFolders, digestOf, listTree, shownPath } from './list-tree.js';

/** Projections beside the captures (replay compares their bytes): expected in a dataset's raw folder. */
const RAW_PROJECTIONS = new Set(['manifest.yml', 'checksums.sha256']);

/** data/raw/ itself holds only dataset folders: returns them, and a finding for anything else. */
export const checkRawZone = (layout: ZoneLayout) =>
  datasetFolders(layout, 'raw', 'RAW_FILE_UNEXPECTED', 'not inside a dataset folder');

/**
 * data/raw/<id>/: every file a raw.captured recorded still has its sha256 and size, and nothing else
 * is there — a file slipped in beside the captures would be read as if it had been captured.
 * `recorded`: the dataset's captures by path (FileExpectations). `tick` is called once per recorded
 * file hashed.
 */
export async function checkRawDataset(
  layout: ZoneLayout,
  datasetId: string,
  recorded: ReadonlyMap<string, readonly RecordedFile[]>,
  tick: () => void,
): Promise<AuditFailure[]> {
  const failures: AuditFailure[] = [];
  const shown = (path: string) => shownPath(layout, 'raw', path);
  const dir = join(layout.raw, datasetId);
  for (const [path, records] of [...recorded].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const at = `${datasetId}/${path}`;
    const unsafe = unsafePathReason(path);
    // Recorded paths are untrusted input: one leaving the folder is never read.
    const digest: Digest = unsafe === undefined ? await digestOf(join(dir, path)) : 'missing';
    tick();
    for (const record of records) {
      const failure = compare(digest, record, unsafe);
      if (failure !== null) failures.push({ seq: record.seq, path: shown(at), ...failure });
    }
  }
  for (const entry of await listTree(dir)) {
    if (recorded.has(entry.path) || (recorded.size > 0 && RAW_PROJECTIONS.has(entry.path))) continue;
    failures.push({
      path: shown(`${datasetId}/${entry.path}`),
      code: 'RAW_FILE_UNEXPECTED',
      message:
        entry.kind === 'file'
          ? 'no raw.captured records this file'
          : 'not a regular file, and no raw.captured records it',
    });
  }
  return failures;
}

function compare(
  digest: Digest,
  record: RecordedFile,
  unsafe: string | undefined,
): Pick<AuditFailure, 'code' | 'message'> | null {
  if (unsafe !== undefined)
    return { code: 'RAW_FILE_MISSING', message: `the recorded path ${unsafe}; nothing was read` };
  if (digest === 'missing')
    return { code: 'RAW_FILE_MISSING', message: `captured at this seq (sha256 ${record.sha256}), now gone` };
  if (digest === 'not-a-file')
    return { code: 'RAW_FILE_MISMATCH', message: 'not a regular file (a symlink or special file)' };
  if (digest.sha256 === record.sha256 && digest.bytes === record.bytes) return null;
  return {
    code: 'RAW_FILE_MISMATCH',
    message: `sha256 ${digest.sha256} (${digest.bytes} bytes), captured as ${record.sha256} (${record.bytes} bytes)`,
  };
}
