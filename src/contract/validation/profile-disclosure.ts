import type { ColumnProfile, DatasetProfile } from '../../events/index.js';
import { widenToGrid } from '../../policy/generalize-geometry.js';
import type { DatasetEntry } from '../../registry/dataset-entry.js';

/** Classes whose individual values are not disclosed: every column of them reports counts only. */
const COUNTS_ONLY: ReadonlySet<string> = new Set(['restricted', 'aggregate-only']);

/**
 * The profile as it may be recorded (README "Profiles"; docs/design.md, "Sensitivity"): a restricted
 * or aggregate-only dataset, and any field the registry lists in `restricted_fields`, keeps counts
 * only (no min, max, earliest, latest: they are values of a record); a sensitive-location dataset's
 * numeric ranges and bbox are widened outward to its generalization grid, or dropped when it
 * declares none, so no published figure is finer than the geometry it publishes.
 */
export function discloseProfile(
  measured: DatasetProfile,
  entry: Pick<DatasetEntry, 'sensitivity' | 'restricted_fields' | 'generalization'> | null,
): DatasetProfile {
  const restricted = new Set(entry?.restricted_fields ?? []);
  const allRestricted = entry?.sensitivity === undefined || COUNTS_ONLY.has(entry.sensitivity);
  const sensitive = entry?.sensitivity === 'sensitive-location';
  const precision = sensitive ? entry?.generalization?.precision_deg : undefined;
  const columns = measured.columns.map((column) => {
    if (allRestricted || restricted.has(column.name)) return countsOnly(column);
    if (!sensitive || column.min === undefined || column.max === undefined) return column;
    if (precision === undefined) return withoutRange(column);
    const [min, max] = widenToGrid(column.min, column.max, precision);
    return { ...column, min, max };
  });
  const geometry = measured.geometry && {
    ...measured.geometry,
    bbox: sensitive ? widenBbox(measured.geometry.bbox, precision) : measured.geometry.bbox,
  };
  return {
    ...measured,
    columns,
    ...(geometry === undefined ? {} : { geometry }),
    ...(precision === undefined ? {} : { generalized_deg: precision }),
  };
}

function withoutRange(column: ColumnProfile): ColumnProfile {
  const { min: _min, max: _max, ...rest } = column;
  return rest;
}

function countsOnly(column: ColumnProfile): ColumnProfile {
  const { min: _min, max: _max, earliest: _earliest, latest: _latest, ...rest } = column;
  return { ...rest, restricted: true };
}

function widenBbox(
  bbox: [number, number, number, number] | null,
  precision: number | undefined,
): [number, number, number, number] | null {
  if (bbox === null || precision === undefined) return null;
  const [west, east] = widenToGrid(bbox[0], bbox[2], precision);
  const [south, north] = widenToGrid(bbox[1], bbox[3], precision);
  return [west, south, east, north];
}
