import { canonicalJson } from '../ledger/pure/canonical-json.js';
import { type Sha256Hex, utf8 } from '../ledger/pure/event-hash.js';
import {
  type Columns,
  PROJECTION_TABLE_NAMES,
  type ProjectionRows,
  type ProjectionTable,
} from '../ledger/read-models.js';

/** A projection table row that differs from its replay, reported like a drifted file. */
export interface RowDrift {
  table: ProjectionTable;
  /** e.g. `ks_x/v0123456789abcdef` (see rowKey). */
  key: string;
  /** null: the row should not exist (it has no event behind it). */
  expected_sha256: string | null;
  /** null: the row is missing. */
  found_sha256: string | null;
}

/** sha256 of the row's RFC 8785 JSON: equal columns, equal hash, whatever order SQLite returns them in. */
export function rowHash(columns: Columns, sha256: Sha256Hex): string {
  return sha256(utf8(canonicalJson(columns, 'row')));
}

/** Every row missing, extra or different between the replayed rows and the stored ones. */
export function diffProjectionRows(
  expected: ProjectionRows,
  found: ProjectionRows,
  sha256: Sha256Hex,
): RowDrift[] {
  const drift: RowDrift[] = [];
  for (const table of PROJECTION_TABLE_NAMES) {
    const keys = new Set([...expected[table].keys(), ...found[table].keys()]);
    for (const key of [...keys].sort()) {
      const want = expected[table].get(key);
      const have = found[table].get(key);
      const expected_sha256 = want === undefined ? null : rowHash(want, sha256);
      const found_sha256 = have === undefined ? null : rowHash(have, sha256);
      if (expected_sha256 !== found_sha256) drift.push({ table, key, expected_sha256, found_sha256 });
    }
  }
  return drift;
}

export function countRows(rows: ProjectionRows): number {
  return PROJECTION_TABLE_NAMES.reduce((sum, table) => sum + rows[table].size, 0);
}
