import { z } from 'zod';

/**
 * The data profile of a version's outputs (issue 17; README "Profiles"): what `validate` measured,
 * recorded in `validation.reported` and again in `version.published`, so that regressions are judged
 * and `kfm profile` / `kfm diff` answer from the ledger alone. It holds counts, and ranges only where
 * policy allows: a restricted column reports counts only, and a sensitive-location dataset's ranges
 * are widened to its generalization grid (`generalized_deg`).
 */

const Count = z.number().int().nonnegative();
const Rate = z.number().min(0).max(1);

/** What a value looked like: CSV cells are typed by their text, GeoJSON properties by their JSON type. */
export const VALUE_KINDS = ['integer', 'number', 'boolean', 'date', 'string', 'object'] as const;
export const ValueKind = z.enum(VALUE_KINDS);
export type ValueKind = z.infer<typeof ValueKind>;

export const ColumnProfile = z.strictObject({
  name: z.string(),
  /** The one kind of every non-null value (integer and number together are number); mixed; null if none. */
  type: z.enum([...VALUE_KINDS, 'mixed', 'null']),
  /** Non-null values per kind. */
  types: z.partialRecord(ValueKind, Count),
  nulls: Count,
  null_rate: Rate,
  distinct: Count,
  /** False past 10,000 distinct values: `distinct` is then a HyperLogLog estimate (README "Profiles"). */
  distinct_exact: z.boolean(),
  min: z.number().optional(),
  max: z.number().optional(),
  /** Earliest and latest date value, as written. */
  earliest: z.string().optional(),
  latest: z.string().optional(),
  /** Counts only: the column's values are not to be disclosed (restricted dataset or field). */
  restricted: z.literal(true).optional(),
});
export type ColumnProfile = z.infer<typeof ColumnProfile>;

export const KeyProfile = z.strictObject({
  /** The fields that together identify a record, as the connector declares them (`keys`). */
  fields: z.array(z.string()).min(1),
  distinct: Count,
  duplicates: Count,
  unique: z.boolean(),
  distinct_exact: z.boolean(),
});
export type KeyProfile = z.infer<typeof KeyProfile>;

export const GeometryProfile = z.strictObject({
  features: Count,
  /** Features per geometry type; `null` counts features without a geometry. */
  types: z.record(z.string(), Count),
  /** [west, south, east, north] of every coordinate; null when there is none. */
  bbox: z.tuple([z.number(), z.number(), z.number(), z.number()]).nullable(),
});
export type GeometryProfile = z.infer<typeof GeometryProfile>;

export const DatasetProfile = z.strictObject({
  rows: Count,
  /** Records per output file, by its path in the run's zone. */
  artifacts: z.array(z.strictObject({ path: z.string(), rows: Count })),
  /** Ordered by name. */
  columns: z.array(ColumnProfile),
  keys: KeyProfile.optional(),
  geometry: GeometryProfile.optional(),
  /** Numeric ranges and the bbox were widened outward to this grid (sensitive-location). */
  generalized_deg: z.number().positive().optional(),
});
export type DatasetProfile = z.infer<typeof DatasetProfile>;
