import type { Dirent } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuditCode, AuditFailure } from '../projections/audit-failure.js';
import { isTempFileName } from '../zones/atomic-write.js';
import { sha256File } from '../zones/file-digest.js';
import type { Zone, ZoneLayout } from '../zones/zone-layout.js';

/**
 * A zone path as findings show it: relative to the root (data/raw/…) when the zone lies inside it.
 * Joined as text, not normalised: a recorded path with `..` is shown as it was recorded.
 */
export function shownPath(layout: ZoneLayout, zone: Zone, path: string): string {
  const dir = layout[zone];
  return `${dir.startsWith(`${layout.root}/`) ? dir.slice(layout.root.length + 1) : dir}/${path}`;
}

export interface TreeEntry {
  /** `/`-separated, relative to the listed folder. */
  path: string;
  /** Symlinks, sockets, … are `other`: a zone holds regular files, and an audit never follows links. */
  kind: 'file' | 'other';
}

/** A crash leftover: TEMP_FILE_LEFT (check-temp-files.ts) reports it, the listings below leave it out. */
const isLeftover = (entry: Dirent): boolean => !entry.isDirectory() && isTempFileName(entry.name);

/**
 * Every entry below `dir` except folders (empty ones are harmless) and temp files; [] when `dir`
 * is missing.
 */
export async function listTree(dir: string, prefix = ''): Promise<TreeEntry[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const out: TreeEntry[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (isLeftover(entry)) continue;
    const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) out.push(...(await listTree(join(dir, entry.name), path)));
    else out.push({ path, kind: entry.isFile() ? 'file' : 'other' });
  }
  return out;
}

/** The immediate sub-folders and the other entries of `dir` but temp files ([] twice when it is missing). */
export async function listChildren(dir: string): Promise<{ folders: string[]; others: string[] }> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  const names = (pick: (e: Dirent) => boolean) =>
    entries
      .filter((e) => pick(e) && !isLeftover(e))
      .map((e) => e.name)
      .sort();
  return { folders: names((e) => e.isDirectory()), others: names((e) => !e.isDirectory()) };
}

export type Digest = { sha256: string; bytes: number } | 'missing' | 'not-a-file';

/** The digest of a regular file, never through a symlink (lstat first). */
export async function digestOf(path: string): Promise<Digest> {
  try {
    if (!(await lstat(path)).isFile()) return 'not-a-file';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'missing';
    throw error;
  }
  return sha256File(path);
}

/** A data zone itself holds only dataset folders: returns them, and `code` for anything else. */
export async function datasetFolders(
  layout: ZoneLayout,
  zone: 'raw' | 'processed',
  code: AuditCode,
  message: string,
): Promise<{ datasets: string[]; failures: AuditFailure[] }> {
  const top = await listChildren(layout[zone]);
  const failures = top.others.map(
    (name): AuditFailure => ({ path: shownPath(layout, zone, name), code, message }),
  );
  return { datasets: top.folders, failures };
}
