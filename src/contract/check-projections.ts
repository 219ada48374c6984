import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { nodeSha256Hex } from '../ledger/node-hasher.js';
import { PROJECTION_TABLE_NAMES, type ProjectionRows } from '../ledger/read-models.js';
import type { LedgerEvent } from '../projections/ledger-event.js';
import { countRows, diffProjectionRows, type RowDrift } from '../projections/projection-drift.js';
import { projectRows } from '../projections/read-models.js';
import type { ZoneLayout } from '../zones/zone-layout.js';
import type { ProjectedFile } from './projected-files.js';

export interface Drift {
  /** Relative to the root, e.g. data/work/<id>/runs/<run_id>/run_record.json. */
  path: string;
  expected_sha256: string;
  /** null: the file is missing. */
  found_sha256: string | null;
}

export function displayPath(layout: ZoneLayout, file: Pick<ProjectedFile, 'zone' | 'path'>): string {
  const abs = join(layout[file.zone], file.path);
  return abs.startsWith(`${layout.root}/`) ? abs.slice(layout.root.length + 1) : abs;
}

/** Compares every projected file with the bytes on disk; returns the ones that differ. */
export async function findDrift(
  layout: ZoneLayout,
  files: readonly ProjectedFile[],
): Promise<(Drift & { file: ProjectedFile })[]> {
  const drift: (Drift & { file: ProjectedFile })[] = [];
  for (const file of files) {
    const expected = nodeSha256Hex(Buffer.from(file.content, 'utf8'));
    const found = await readFile(join(layout[file.zone], file.path)).then(nodeSha256Hex, () => null);
    if (found !== expected)
      drift.push({ path: displayPath(layout, file), expected_sha256: expected, found_sha256: found, file });
  }
  return drift;
}

/**
 * One dataset's rows as the pure reducers project them from its events, against the stored ones:
 * the comparison of `kfm replay --check` and of `kfm verify --deep`.
 */
export function findRowDrift(
  stored: ProjectionRows,
  events: readonly LedgerEvent[],
): { rows: number; drift: RowDrift[] } {
  const expected = projectRows(events);
  return {
    rows: countRows(expected),
    drift: diffProjectionRows(expected, stored, nodeSha256Hex),
  };
}

/** By table, then key: the order one diff over the whole tables gave. */
export function sortRowDrift(drift: RowDrift[]): RowDrift[] {
  const table = (d: RowDrift) => PROJECTION_TABLE_NAMES.indexOf(d.table);
  return drift.sort((a, b) => table(a) - table(b) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
