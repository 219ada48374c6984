import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isStagingFolder } from '../contract/promotion/publish-version.js';
import type { AuditFailure } from '../projections/audit-failure.js';
import { isTempFileName } from '../zones/atomic-write.js';
import { ZONES, type Zone, type ZoneLayout } from '../zones/zone-layout.js';
import { shownPath } from './list-tree.js';

/**
 * What a crash leaves in the zones: the hidden temp file of an atomic write cut short
 * (`.<name>.<12 hex>.tmp`, zones/atomic-write.ts; raw captures, artifacts, receipts and catalogs
 * are all written that way) and the staging folder of a promotion cut short
 * (data/processed/<id>/.staging-<run_id>/). Neither is part of any recorded history; the other file
 * checks leave them to this one, so each is reported once, as TEMP_FILE_LEFT. `layouts`: the
 * root's zones first, then any other place a dataset's runs put one.
 */
export async function checkTempFiles(layouts: readonly ZoneLayout[]): Promise<AuditFailure[]> {
  const failures: AuditFailure[] = [];
  // The root's zones, then those datasets moved (--raw_dir …): each folder walked once.
  const walked = new Set<string>();
  for (const layout of layouts) {
    for (const zone of ZONES) {
      if (walked.has(layout[zone])) continue;
      walked.add(layout[zone]);
      // Only data/processed/<id>/ holds staging folders: one level below the zone.
      const staging = (path: string) => zone === 'processed' && /^[^/]+\/[^/]+$/.test(path);
      await walk(layout[zone], '', staging, (path, kind) => {
        failures.push({
          path: shownPath(layout, zone, path),
          code: 'TEMP_FILE_LEFT',
          message: `${kind === 'staging' ? 'the staging folder of an interrupted promotion' : 'the temp file of an interrupted write'}: ${recoverHint(zone, path)}`,
        });
      });
    }
  }
  return failures;
}

/** A leftover under a dataset folder names its dataset; one in the catalog zone or a zone top does not. */
function recoverHint(zone: Zone, path: string): string {
  const segments = path.split('/');
  return zone === 'catalog' || segments.length < 2
    ? 'run `kfm recover` to remove it'
    : `run \`kfm recover ${segments[0]}\` to remove it`;
}

type Found = (path: string, kind: 'temp' | 'staging') => void;

/** Depth first, in name order; a staging folder is reported whole, not entered; links are not followed. */
async function walk(
  dir: string,
  prefix: string,
  stagingPlace: (path: string) => boolean,
  found: Found,
): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) {
      if (stagingPlace(path) && isStagingFolder(entry.name)) found(path, 'staging');
      else await walk(join(dir, entry.name), path, stagingPlace, found);
    } else if (isTempFileName(entry.name)) found(path, 'temp');
  }
}
