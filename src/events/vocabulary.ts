import { z } from 'zod';
import { RunId, SENSITIVITY_CLASSES, Sha256Hex, Timestamp, VERSION_ID_PATTERN } from './ids.js';
import { DatasetProfile } from './profile.js';

/**
 * The event vocabulary (docs/design.md, "Event vocabulary"). Extend, never repurpose: a type's meaning is
 * fixed once a ledger holds it, because its events are hashed into the chain forever. Payloads are
 * strict, so a field a writer misspells is refused instead of silently dropped from the record.
 */

/** Any JSON value. JSON-ness itself is enforced by canonicalisation (see canonical-json.ts). */
const Json = z.unknown();
/**
 * A JSON object. zod copies a record key by key and skips a `__proto__` key (assigning it would set
 * the prototype), so such a key, an ordinary own key after JSON.parse, would vanish from the record
 * without a word. Refuse it instead. Deeper values are not copied, so their keys survive as written.
 */
const JsonObject = z
  .custom<object>(
    (value) => typeof value !== 'object' || value === null || !Object.hasOwn(value, '__proto__'),
    {
      message: 'a key named "__proto__" is not accepted here; rename it',
    },
  )
  .pipe(z.record(z.string(), Json));

export const Stage = z.enum(['ingest', 'transform', 'validate', 'promote', 'backfill']);
export const RunStatus = z.enum(['succeeded', 'failed', 'denied']);

const Window = z.strictObject({ since: Timestamp.optional(), until: Timestamp.optional() });
const RelPath = z.string().min(1).max(1024);
const Reason = z.strictObject({ code: z.string().regex(/^[A-Z][A-Z0-9_]*$/), message: z.string() });
const ArtifactRef = z.strictObject({
  path: RelPath,
  sha256: Sha256Hex,
  bytes: z.number().int().nonnegative(),
});
const VersionId = z.string().regex(VERSION_ID_PATTERN);
/** A data dictionary a connector declares: an absolute http(s) URL and the media type served there. */
export const DataDictionary = z.strictObject({
  url: z.string().regex(/^https?:\/\/[^\s]+$/, 'must be an absolute http:// or https:// URL'),
  media_type: z
    .string()
    .regex(/^[-\w]+\/[-\w]+(\.[-\w]+)*([+][-\w]+)?$/, 'must be a media type, e.g. application/json'),
});
/**
 * The registry entry a version was published under (title, publisher, licence, sensitivity …): the
 * catalogs and the run manifest replay from the ledger alone, even after the registry file changes.
 * The facts the gate decided on are required; the rest is the entry as it was.
 */
const RegistrySnapshot = z.looseObject({
  dataset_id: z.string(),
  license: z.string(),
  sensitivity: z.enum(SENSITIVITY_CLASSES),
  policy_labels: z.array(z.string()).min(1),
});

export const PAYLOADS = {
  'run.started': z.strictObject({
    stage: Stage,
    spec: JsonObject,
    spec_hash: Sha256Hex,
    args: JsonObject,
    window: Window.optional(),
    dry_run: z.boolean(),
    parent_run_id: RunId.optional(),
  }),
  'source.discovered': z.strictObject({ source_uri: z.string(), capabilities: JsonObject }),
  'raw.captured': z.strictObject({
    capture_id: z.string().min(1),
    path: RelPath,
    sha256: Sha256Hex,
    bytes: z.number().int().nonnegative(),
    source_uri: z.string(),
    etag: z.string().optional(),
    media_type: z.string().optional(),
    seen_before: z.boolean().optional(),
  }),
  'raw.manifest.written': z.strictObject({ path: RelPath, sha256: Sha256Hex }),
  'work.artifact.written': z.strictObject({
    path: RelPath,
    sha256: Sha256Hex,
    bytes: z.number().int().nonnegative(),
    derived_from: z.array(RelPath),
  }),
  'transform.applied': z.strictObject({
    name: z.string().min(1),
    params: JsonObject,
    inputs: z.array(RelPath),
    outputs: z.array(RelPath),
    summary: JsonObject,
  }),
  'validation.reported': z.strictObject({
    passed: z.boolean(),
    /**
     * The run's outputs the checks read, each by its sha256: a published version must be exactly
     * these bytes. Absent only in events of kfm before issue 10, whose validate read the same
     * outputs (the run's events determine them); verify --deep derives them there (README).
     */
    outputs: z.array(z.strictObject({ path: RelPath, sha256: Sha256Hex })).optional(),
    checks: z.array(
      z.strictObject({
        name: z.string().min(1),
        passed: z.boolean(),
        message: z.string().optional(),
        details: JsonObject.optional(),
      }),
    ),
    /** The outputs' data profile (README "Profiles"); absent in events of kfm before issue 17. */
    profile: DatasetProfile.optional(),
  }),
  'promotion.denied': z.strictObject({ reasons: z.array(Reason).min(1) }),
  'version.published': z.strictObject({
    version_id: VersionId,
    content_hash: Sha256Hex,
    artifacts: z.array(ArtifactRef),
    supersedes: VersionId.nullable(),
    registry: RegistrySnapshot,
    /** [west, south, east, north] of the published (generalized) geometry, for spatial datasets. */
    bbox: z.tuple([z.number(), z.number(), z.number(), z.number()]).optional(),
    /**
     * The instants the published records cover: the earliest and latest value of the connector's
     * `time_fields`, else the run's ingest window. Absent when neither is known.
     */
    time_span: z.strictObject({ start: Timestamp, end: Timestamp }).optional(),
    /** The connector's `data_dictionary`: where the records' fields are described (DCAT describedBy). */
    data_dictionary: DataDictionary.optional(),
    /** promote --base-url: the governed API's public URL the catalogs link to (absent: the default). */
    base_url: z
      .string()
      .regex(/^https?:\/\/[^\s?#]*[^\s?#/]$/)
      .optional(),
    /** The profile validation measured of these artifacts; absent in versions before issue 17. */
    profile: DatasetProfile.optional(),
  }),
  'version.reused': z.strictObject({
    version_id: VersionId,
    content_hash: Sha256Hex,
    registry: RegistrySnapshot,
  }),
  'catalog.emitted': z.strictObject({
    kind: z.enum(['dcat', 'stac', 'prov']),
    path: RelPath,
    sha256: Sha256Hex,
  }),
  'run.completed': z.strictObject({ status: RunStatus, error: Reason.optional() }),
  'backfill.window.completed': z.strictObject({
    window: z.strictObject({ since: Timestamp, until: Timestamp }),
    child_run_id: RunId,
    files: z.number().int().nonnegative(),
    rows: z.number().int().nonnegative(),
    sha256: Sha256Hex,
  }),
} as const;

export type KnownEventType = keyof typeof PAYLOADS;
export type PayloadOf<T extends KnownEventType> = z.infer<(typeof PAYLOADS)[T]>;

/** `x.<namespace>.<name>`: site-specific facts from connectors in any language; any JSON object. */
export const ExtensionPayload = JsonObject;

export const KNOWN_EVENT_TYPES = Object.keys(PAYLOADS) as KnownEventType[];

export function isKnownEventType(type: string): type is KnownEventType {
  return Object.hasOwn(PAYLOADS, type);
}
