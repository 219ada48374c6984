import { z } from 'zod';
import { VersionBundle } from '../audit/version-bundle.js';
import {
  DatasetId,
  EventId,
  PAYLOADS,
  RunId,
  RunStatus,
  Sha256Hex,
  Stage,
  Timestamp,
} from '../events/index.js';
import { ProvenanceBundle } from '../projections/provenance-bundle.js';
import { ApiPath, Count, LedgerHead, Seq } from '../projections/receipt-fields.js';
import { DatasetEntry } from '../registry/dataset-entry.js';
import { API_ERRORS, type ApiErrorCode } from './api-error.js';

/**
 * The answers of the governed read API, in the event vocabulary's terms (src/events/) and the
 * projections' (src/projections/): openapi-schemas.ts generates the OpenAPI document's schemas from
 * these, and the handlers build their answers as these types, so the document follows the code.
 */

const published = PAYLOADS['version.published'].shape;
const snapshot = published.registry.shape;
const entry = DatasetEntry.shape;
const VersionId = published.version_id;
const Links = <K extends string>(...names: K[]) =>
  z.strictObject(Object.fromEntries(names.map((name) => [name, ApiPath])) as Record<K, typeof ApiPath>);

/** The registry snapshot a version was published under, as the version and provenance answers give it. */
const PublishedRegistry = z.strictObject({
  license: snapshot.license,
  sensitivity: snapshot.sensitivity,
  policy_labels: snapshot.policy_labels,
  generalization: z.unknown(),
});

export const ApiErrorBody = z
  .strictObject({
    code: z.enum(Object.keys(API_ERRORS) as [ApiErrorCode, ...ApiErrorCode[]]),
    message: z.string(),
    details: z.record(z.string(), z.unknown()),
  })
  .meta({ description: 'every refusal: a stable code (x-error-codes gives its HTTP status) and a message' });

export const DatasetSummary = z.strictObject({
  dataset_id: DatasetId,
  title: z.string().nullable(),
  sensitivity: snapshot.sensitivity,
  policy_labels: snapshot.policy_labels,
  license: z.string(),
  spatial: z.boolean(),
  latest_version: z
    .strictObject({ version_id: VersionId, content_hash: Sha256Hex, published_at: Timestamp })
    .nullable(),
  versions: Count,
  links: Links('self'),
});

export const DatasetList = z.strictObject({ datasets: z.array(DatasetSummary), ledger_head: LedgerHead });
export type DatasetList = z.infer<typeof DatasetList>;

export const Dataset = z.strictObject({
  dataset_id: DatasetId,
  /** The registry entry without its upstream (where the data comes from is not the API's to say). */
  registry: z.strictObject({
    title: entry.title.unwrap().nullable(),
    description: entry.description.unwrap().nullable(),
    publisher: entry.publisher.unwrap().nullable(),
    contact_point: entry.contact_point.unwrap().nullable(),
    license: z.string(),
    sensitivity: snapshot.sensitivity,
    policy_labels: snapshot.policy_labels,
    spatial: z.boolean(),
    generalization: entry.generalization.unwrap().nullable(),
    keywords: entry.keywords.unwrap(),
    temporal: entry.temporal.unwrap().nullable(),
  }),
  latest_version: VersionId.nullable(),
  versions: z.array(
    z.strictObject({
      version_id: VersionId,
      content_hash: Sha256Hex,
      published_at: Timestamp,
      supersedes: published.supersedes,
      run_id: RunId,
      links: Links('self', 'provenance'),
    }),
  ),
  dcat: z
    .record(z.string(), z.unknown())
    .nullable()
    .meta({ description: 'DCAT-US 1.1 dataset record, as data/catalog/dcat/<id>.json' }),
  ledger_head: LedgerHead,
  links: Links('self', 'lineage'),
});
export type Dataset = z.infer<typeof Dataset>;

export const DatasetVersion = z.strictObject({
  dataset_id: DatasetId,
  version_id: VersionId,
  content_hash: Sha256Hex,
  run_id: RunId,
  published_at: Timestamp,
  supersedes: published.supersedes,
  superseded_by: VersionId.nullable(),
  latest: z.boolean(),
  artifacts: z.array(published.artifacts.element.extend({ media_type: z.string(), links: Links('self') })),
  /** Left out (null) for sensitive-location data whose extent is off the generalization grid. */
  bbox: published.bbox.unwrap().nullable(),
  registry: PublishedRegistry,
  ledger: z.strictObject({ seq: Seq, hash: Sha256Hex, event_id: EventId }),
  links: Links('self', 'dataset', 'provenance', 'lineage'),
});
export type DatasetVersion = z.infer<typeof DatasetVersion>;

export const StacDocument = z
  .looseObject({
    type: z.enum(['Collection', 'Feature']),
    stac_version: z.literal('1.1.0'),
    id: z.string(),
    links: z.array(z.looseObject({ rel: z.string(), href: z.string() })),
  })
  .meta({
    description:
      'A STAC 1.1.0 Collection or Item (https://schemas.stacspec.org/v1.1.0/), validated at promotion',
  });

const RunState = z.enum(['running', ...RunStatus.options]);
const Reason = PAYLOADS['promotion.denied'].shape.reasons.element;
const withSeq = <T extends z.ZodObject>(payload: T) => payload.extend({ seq: Seq });

/** A run as `kfm lineage` folds it (src/projections/lineage.ts: LineageRun). */
const LineageRun = z.strictObject({
  dataset_id: DatasetId,
  run_id: RunId,
  parent_run_id: RunId.nullable(),
  status: RunState,
  stage: Stage.nullable(),
  first_seq: Seq,
  last_seq: Seq,
  started_at: Timestamp,
  completed_at: Timestamp.nullable(),
  stages: z.array(
    z.strictObject({
      stage: Stage,
      status: RunState,
      spec_hash: Sha256Hex,
      started_seq: Seq,
      started_at: Timestamp,
      completed_seq: Seq.nullable(),
      completed_at: Timestamp.nullable(),
      error: Reason.nullable(),
    }),
  ),
  captures: Count,
  validation: z.strictObject({ passed: z.boolean(), seq: Seq }).nullable(),
  version_id: VersionId.nullable(),
  reused: z.boolean(),
  promotion_seq: Seq.nullable(),
  denied: z.array(z.string()).nullable(),
  inputs: z.strictObject({
    captures: z.array(
      z.strictObject({
        seq: Seq,
        hash: Sha256Hex,
        capture_id: z.string(),
        path: z.string(),
        sha256: Sha256Hex,
        bytes: Count,
        source_uri: z.string(),
        captured_at: Timestamp,
        seen_before: z.boolean(),
        first_seen: z.strictObject({ run_id: RunId, seq: Seq }).nullable(),
      }),
    ),
    versions: z.array(
      z.strictObject({ version_id: VersionId, relation: z.enum(['supersedes', 'reused', 'derived_from']) }),
    ),
  }),
  sources: z.array(z.string()),
  transforms: z.array(
    withSeq(PAYLOADS['transform.applied']).extend({
      kind: z.enum(['generalization', 'redaction', 'aggregation', 'transform']),
    }),
  ),
  artifacts: z.array(withSeq(PAYLOADS['work.artifact.written'])),
  validation_report: z
    .strictObject({
      seq: Seq,
      hash: Sha256Hex,
      passed: z.boolean(),
      checks: Count,
      failed_checks: z.array(z.string()),
    })
    .nullable(),
  promotion: z
    .strictObject({
      seq: Seq,
      hash: Sha256Hex,
      outcome: z.enum(['published', 'reused', 'denied']),
      version_id: VersionId.nullable(),
      reasons: z.array(Reason),
    })
    .nullable(),
  catalogs: z.array(withSeq(PAYLOADS['catalog.emitted'])),
});

/** `kfm lineage <target> --format json` (src/projections/lineage.ts and lineage-graph.ts). */
export const Lineage = z.strictObject({
  dataset_id: DatasetId,
  version_id: VersionId.nullable(),
  as_of: z.strictObject({ seq: Count, requested: z.string().nullable() }),
  upstream: z.array(z.strictObject({ source_uri: z.string(), first_seq: Seq })),
  versions: z.array(
    z.strictObject({
      version_id: VersionId,
      content_hash: Sha256Hex,
      run_id: RunId,
      seq: Seq,
      hash: Sha256Hex,
      published_at: Timestamp,
      supersedes: published.supersedes,
      artifacts: published.artifacts,
      catalogs: z.array(withSeq(PAYLOADS['catalog.emitted'])),
      reused_by: z.array(z.strictObject({ run_id: RunId, seq: Seq })),
    }),
  ),
  runs: z.array(LineageRun),
  graph: z.strictObject({
    nodes: z.array(
      z.strictObject({
        id: z.string(),
        kind: z.enum(['source', 'raw', 'run', 'transform', 'validation', 'denial', 'version', 'catalog']),
        label: z.string(),
      }),
    ),
    edges: z.array(z.strictObject({ from: z.string(), to: z.string(), label: z.string() })),
  }),
});

/** The last chain verification of `kfm serve` (chain-health.ts). */
export const Verification = z.strictObject({
  ok: z.boolean(),
  /** The head the verification reached: everything up to it was checked. */
  head: LedgerHead,
  events: Count,
  failures: z.array(z.strictObject({ seq: Count, code: z.string(), message: z.string() })),
  failures_omitted: Count,
  started_at: Timestamp,
  finished_at: Timestamp,
  duration_ms: Count,
});
export type Verification = z.infer<typeof Verification>;

export const Health = z.strictObject({
  status: z.enum(['ok', 'failing', 'unverified']),
  ledger: z.strictObject({ head: LedgerHead }),
  verification: Verification.extend({
    /** Events appended since the verification have not been checked yet. */
    covers_head: z.boolean(),
  }).nullable(),
  verifying: z.boolean(),
});
export type Health = z.infer<typeof Health>;

/** Every answer schema, by its name in the document's components. */
export const API_SCHEMAS = {
  Error: ApiErrorBody,
  DatasetList,
  Dataset,
  DatasetVersion,
  VersionBundle,
  ProvenanceBundle,
  StacDocument,
  Lineage,
  Health,
} as const satisfies Record<string, z.ZodType>;
