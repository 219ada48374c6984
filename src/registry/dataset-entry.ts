import { z } from 'zod';
import { DATASET_ID_PATTERN, DATASET_ID_RULE, SENSITIVITY_CLASSES } from '../events/ids.js';
import { describeIssues, type RegistryProblem } from './describe-issues.js';
import { checkSpdxLicense } from './spdx.js';
import { upstreamUriProblem } from './upstream-uri.js';

/**
 * One dataset's registry entry, `data/registry/<dataset_id>.yml` (docs/design.md, "Sensitivity";
 * the seed's "Policy, sensitivity, and redaction"). Only `dataset_id` is required: the Promotion
 * Contract fails closed on what is missing (see `missingForPromotion`), so an entry can be
 * registered before its licence or classification is known. What is present must be valid, and
 * unknown fields are refused, so a typo (`licence:`) cannot silently leave a dataset unlicensed.
 */

export { SENSITIVITY_CLASSES };
export const Sensitivity = z.enum(SENSITIVITY_CLASSES);
export type Sensitivity = z.infer<typeof Sensitivity>;

const Text = z.string().trim().min(1, { error: 'must not be empty' });

const PolicyLabel = z
  .string()
  .regex(/^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$/, { error: 'is not a lowercase label' });

/** RFC 6838 type/subtype, optionally with parameters (`text/csv; charset=utf-8`). */
const MediaType = z
  .string()
  .regex(/^[A-Za-z0-9][\w!#$&^.+-]*\/[A-Za-z0-9][\w!#$&^.+-]*(?:\s*;.*)?$/, { error: 'is not a media type' });

/**
 * A WHATWG Encoding label TextDecoder knows (utf-8, windows-1252, iso-8859-2, shift_jis …): what the
 * upstream's text is in. Validation decodes with it strictly; without one, UTF-8 (RFC 8259 §8.1).
 */
const Encoding = z.string().refine(
  (label) => {
    try {
      new TextDecoder(label);
      return true;
    } catch {
      return false;
    }
  },
  { error: 'is not an encoding label TextDecoder knows' },
);

const IsoDate = z.iso.date();
const IsoDateTime = z.iso.datetime({ offset: true });
const IsoInstant = z
  .string()
  .refine((v) => IsoDate.safeParse(v).success || IsoDateTime.safeParse(v).success, {
    error: 'is not an ISO-8601 date or date-time',
  });

const License = z.string().superRefine((id, ctx) => {
  const check = checkSpdxLicense(id);
  if (!check.ok)
    ctx.addIssue({ code: 'custom', message: check.message, params: { fix: check.fix }, input: id });
});

const UpstreamUri = z.string().superRefine((uri, ctx) => {
  const problem = upstreamUriProblem(uri);
  if (problem !== null) {
    ctx.addIssue({ code: 'custom', message: problem.message, params: { fix: problem.fix }, input: uri });
  }
});

/** DCAT-US `contactPoint` (a vCard): the catalog renderer needs both parts. */
export const ContactPoint = z.strictObject({
  fn: Text,
  hasEmail: z.string().regex(/^mailto:[^@\s]+@[^@\s]+\.[^@\s]+$/, { error: 'is not a mailto: address' }),
});

/**
 * `uri`: an absolute `http(s)://` or `file:///` URI, or a relative `file:<path>` (no `//`, no `..`)
 * resolved against the kfm project root where `connectors/` lives — not against `--root` — so the
 * committed examples can name their fixtures (see upstream-uri.ts and `resolveUpstreamUri`).
 */
export const Upstream = z.strictObject({
  uri: UpstreamUri,
  /** Requests per second the connector may send; fractions allowed (0.5 = one every 2 s). */
  rate_limit: z.number().positive({ error: 'must be greater than 0' }).optional(),
  media_type: MediaType.optional(),
  encoding: Encoding.optional(),
});

/** For `sensitive-location`: geometry is snapped to this grid (degrees) before promotion. */
export const Generalization = z.strictObject({
  precision_deg: z
    .number()
    .positive({ error: 'must be greater than 0' })
    .max(180, { error: 'must be at most 180' }),
});

const Tolerance = z.number().min(0, { error: 'must be 0 or more' });

/**
 * How far a version's profile may move from the last published one before validate's
 * `profile_regression` check fails (README "Profiles"): row_count_change is relative (0.2 = ±20 %),
 * null_rate_increase absolute (0.05 = five more nulls in a hundred), for every column or, under
 * `columns`, for one.
 */
export const ProfileTolerances = z.strictObject({
  row_count_change: Tolerance.optional(),
  null_rate_increase: Tolerance.max(1, { error: 'must be at most 1' }).optional(),
  columns: z
    .record(z.string(), z.strictObject({ null_rate_increase: Tolerance.max(1).optional() }))
    .optional(),
});
export type ProfileTolerances = z.infer<typeof ProfileTolerances>;

const TemporalShape = z.strictObject({ since: IsoInstant, until: IsoInstant.optional() });
export const Temporal = TemporalShape.refine(
  (t) => t.until === undefined || Date.parse(t.since) <= Date.parse(t.until),
  { error: 'is before since', path: ['until'] },
);

export const DatasetEntry = z.strictObject({
  dataset_id: z.string().regex(DATASET_ID_PATTERN, {
    error: `is not ${DATASET_ID_RULE}`,
  }),
  title: Text.optional(),
  description: Text.optional(),
  publisher: Text.optional(),
  contact_point: ContactPoint.optional(),
  license: License.optional(),
  sensitivity: Sensitivity.optional(),
  policy_labels: z
    .array(PolicyLabel)
    .refine((labels) => new Set(labels).size === labels.length, { error: 'lists a label twice' })
    .optional(),
  spatial: z.boolean().optional(),
  upstream: Upstream.optional(),
  generalization: Generalization.optional(),
  keywords: z.array(Text).optional(),
  temporal: Temporal.optional(),
  /** Fields whose values no profile discloses: they report counts only. */
  restricted_fields: z.array(Text).optional(),
  profile_tolerances: ProfileTolerances.optional(),
  /** Raised (from 1) to accept a profile change beyond tolerance, with profile_explanation saying why. */
  profile_version: z.number().int().min(1, { error: 'must be a whole number from 1' }).optional(),
  profile_explanation: Text.optional(),
});
export type DatasetEntry = z.infer<typeof DatasetEntry>;

const FIXES: Readonly<Record<string, string>> = {
  title: 'write a short human title, e.g. title: Kansas Mesonet weather stations',
  description: 'write a sentence or two saying what the data is and where it comes from',
  publisher: 'write the publishing organisation, e.g. publisher: Kansas Frontier Matrix',
  contact_point: 'write contact_point: {fn: <name>, hasEmail: mailto:<address>}',
  'contact_point.fn': 'write the name of the contact person or team',
  'contact_point.hasEmail': 'write it as mailto:name@example.org (the DCAT-US form)',
  sensitivity: `use one of ${SENSITIVITY_CLASSES.join(', ')}`,
  policy_labels: 'write a list of lowercase labels, e.g. policy_labels: [open-data]',
  'policy_labels.*': 'use lowercase letters and digits joined by single - or _, e.g. cultural-resources',
  spatial: 'write true or false (unquoted)',
  upstream: 'write upstream: {uri: <https://… or file:connectors/<dataset_id>/fixtures/<file>>}',
  'upstream.uri': 'write https://host/path, file:///absolute/path or file:<path inside the project>',
  'upstream.rate_limit': 'write requests per second as a number, e.g. 2 or 0.5',
  'upstream.media_type': 'write a media type such as application/geo+json or text/csv',
  'upstream.encoding': 'write a WHATWG encoding label, e.g. windows-1252 (for Latin-1 text) or utf-8',
  generalization: 'write generalization: {precision_deg: 0.1}',
  'generalization.precision_deg': 'write a number of degrees, e.g. 0.1 (about 11 km of latitude)',
  keywords: 'write a list of words, e.g. keywords: [weather, stations]',
  'keywords.*': 'write each keyword as non-empty text',
  temporal: 'write temporal: {since: 2020-01-01, until: 2024-12-31} (until may be left out)',
  'temporal.since': 'write an ISO-8601 date (2020-01-01) or date-time with offset (2020-01-01T00:00:00Z)',
  'temporal.until': 'write an ISO-8601 date or date-time not before since, or leave until out',
  restricted_fields: 'write a list of field names, e.g. restricted_fields: [owner_name]',
  profile_tolerances: 'write profile_tolerances: {row_count_change: 0.2, null_rate_increase: 0.05}',
  'profile_tolerances.row_count_change': 'write a fraction of the row count, e.g. 0.2 for ±20 %',
  'profile_tolerances.null_rate_increase': 'write a fraction between 0 and 1, e.g. 0.05',
  'profile_tolerances.columns': 'write columns: {<field>: {null_rate_increase: 0.1}}',
  profile_version: 'write a whole number, raised by one for each explained profile change, e.g. 2',
  profile_explanation: 'write a sentence saying why the profile changed, e.g. two counties merged',
};

/** How to fix a registry field, as `kfm registry` says it. */
export function registryFixOf(field: string): string {
  return FIXES[field] ?? 'correct the entry (see README.md, "Dataset registry")';
}

const KNOWN_FIELDS: Readonly<Record<string, readonly string[]>> = {
  '': Object.keys(DatasetEntry.shape),
  contact_point: Object.keys(ContactPoint.shape),
  upstream: Object.keys(Upstream.shape),
  generalization: Object.keys(Generalization.shape),
  temporal: Object.keys(TemporalShape.shape),
  profile_tolerances: Object.keys(ProfileTolerances.shape),
};

export type EntryParse = { ok: true; entry: DatasetEntry } | { ok: false; problems: RegistryProblem[] };

/**
 * Validates a parsed registry document whose file is `<fileId>.yml`. Pure; `lineOf` (from the YAML
 * reader) lets each problem name its line.
 */
export function parseDatasetEntry(
  value: unknown,
  fileId: string,
  lineOf?: (path: readonly PropertyKey[]) => number | undefined,
): EntryParse {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const message =
      value === null || value === undefined ? 'is empty' : 'is not a mapping of field: value lines';
    return { ok: false, problems: [{ field: '', message, fix: `start with dataset_id: ${fileId}` }] };
  }
  const result = DatasetEntry.safeParse(value, { reportInput: true });
  const fixes = { ...FIXES, dataset_id: `write dataset_id: ${fileId} (the file name without .yml)` };
  const problems = result.success
    ? []
    : describeIssues(result.error.issues, { fixes, knownFields: KNOWN_FIELDS, lineOf });
  const id = (value as Record<string, unknown>).dataset_id;
  if (typeof id === 'string' && DATASET_ID_PATTERN.test(id) && id !== fileId) {
    const line = lineOf?.(['dataset_id']);
    problems.unshift({
      field: 'dataset_id',
      message: `'${id}' does not match the file name ${fileId}.yml`,
      fix: `rename the file to ${id}.yml, or write dataset_id: ${fileId}`,
      ...(line === undefined ? {} : { line }),
    });
  }
  // Zod reports unknown fields after the others; people read a file top to bottom.
  problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  if (problems.length > 0 || !result.success) return { ok: false, problems };
  return { ok: true, entry: result.data };
}

/** Codes of the Promotion Contract (docs/design.md) that a registry entry alone can trigger. */
export type PromotionDenialCode =
  | 'LICENSE_MISSING'
  | 'SENSITIVITY_MISSING'
  | 'POLICY_LABELS_MISSING'
  | 'REDACTION_REQUIRED'
  | 'CATALOG_INVALID';

export interface MissingField {
  field: string;
  code: PromotionDenialCode;
  message: string;
  fix: string;
}

/**
 * What the promotion gate will deny on because this entry leaves it out (fail closed: missing ⇒
 * deny). An empty list of policy labels or keywords counts as missing. The catalog fields are those
 * DCAT-US 1.1 requires of a dataset (title, description, publisher, contactPoint, keyword); without
 * them the DCAT record cannot validate.
 */
export function missingForPromotion(entry: DatasetEntry): MissingField[] {
  const missing: MissingField[] = [];
  const add = (field: string, code: PromotionDenialCode, message: string, fix: string) =>
    missing.push({ field, code, message, fix });
  if (entry.license === undefined)
    add('license', 'LICENSE_MISSING', 'no licence is declared', 'add license: <SPDX id>, e.g. CC-BY-4.0');
  if (entry.sensitivity === undefined)
    add(
      'sensitivity',
      'SENSITIVITY_MISSING',
      'no sensitivity class is declared',
      `add sensitivity: <${SENSITIVITY_CLASSES.join(' | ')}>`,
    );
  if (entry.policy_labels === undefined || entry.policy_labels.length === 0)
    add(
      'policy_labels',
      'POLICY_LABELS_MISSING',
      'no policy labels are declared',
      'add policy_labels: [<label>, …]',
    );
  if (entry.sensitivity === 'sensitive-location' && entry.generalization === undefined)
    add(
      'generalization',
      'REDACTION_REQUIRED',
      'a sensitive-location dataset declares no generalization precision',
      'add generalization: {precision_deg: 0.1} (or coarser)',
    );
  const catalog: [keyof DatasetEntry, string][] = [
    ['title', 'dct:title'],
    ['description', 'dct:description'],
    ['publisher', 'dct:publisher'],
    ['contact_point', 'dcat:contactPoint'],
    ['keywords', 'dcat:keyword'],
  ];
  for (const [field, term] of catalog) {
    const value = entry[field];
    if (value === undefined || (Array.isArray(value) && value.length === 0))
      add(
        field,
        'CATALOG_INVALID',
        `no ${field}: the DCAT record needs ${term}`,
        FIXES[field] ?? `add ${field}`,
      );
  }
  return missing;
}
