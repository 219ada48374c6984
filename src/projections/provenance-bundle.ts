import { z } from 'zod';
import { DatasetId, EventId, PAYLOADS, RunId, Sha256Hex, Timestamp } from '../events/index.js';
import { ApiPath, LedgerHead, Seq } from './receipt-fields.js';
import { RunManifest } from './run-manifest.js';

const published = PAYLOADS['version.published'].shape;
const registry = published.registry.shape;

/**
 * The answer of GET /datasets/{id}/versions/{version_id}/provenance (handlers/provenance.ts says
 * what each part is for). schemas/provenance_bundle/v1.json is generated from this, and the handler
 * builds its answer as this type, so the published schema follows the code.
 */
export const ProvenanceBundle = z.strictObject({
  kind: z.literal('kfm.provenance_bundle'),
  dataset_id: DatasetId,
  version_id: published.version_id,
  content_hash: published.content_hash,
  published_at: Timestamp,
  supersedes: published.supersedes,
  artifacts: z.array(published.artifacts.element.extend({ media_type: z.string(), url: ApiPath })),
  /** The artifacts' checksums as a `sha256sum -c` file. */
  checksums_sha256: z.string(),
  run_id: RunId,
  runs: z.array(z.strictObject({ run_id: RunId, relation: z.enum(['published', 'reused']), seq: Seq })),
  spec_hashes: RunManifest.shape.spec_hashes,
  validation: z
    .strictObject({
      passed: z.boolean(),
      seq: Seq,
      hash: Sha256Hex,
      checks: z.array(z.strictObject({ name: z.string(), passed: z.boolean() })),
      report_sha256: Sha256Hex.nullable(),
    })
    .nullable(),
  generalizations: RunManifest.shape.redaction,
  transforms: RunManifest.shape.redaction,
  registry: z.strictObject({
    license: registry.license,
    sensitivity: registry.sensitivity,
    policy_labels: registry.policy_labels,
    /** The registry's generalization as recorded when the version was published, if any. */
    generalization: z.unknown(),
  }),
  catalogs: RunManifest.shape.catalogs,
  /** PROV-JSON of the publishing run: the bytes of its catalog file (W3C PROV-JSON). */
  prov: z.looseObject({ prefix: z.record(z.string(), z.string()) }),
  ledger_anchor: z.strictObject({
    type: z.literal('version.published'),
    seq: Seq,
    hash: Sha256Hex,
    event_id: EventId,
    recorded_at: Timestamp,
  }),
  ledger_head: LedgerHead,
  chain_verification: z
    .strictObject({ ok: z.boolean(), head: LedgerHead, finished_at: z.string() })
    .nullable(),
  verify_with: z.string(),
  links: z.strictObject({ version: ApiPath, lineage: ApiPath }),
});
export type ProvenanceBundle = z.infer<typeof ProvenanceBundle>;
