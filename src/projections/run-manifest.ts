import { z } from 'zod';
import { DatasetId, PAYLOADS, type PayloadOf, RunId, Sha256Hex } from '../events/index.js';
import { type Sha256Hex as Sha256Hasher, utf8 } from '../ledger/pure/event-hash.js';
import { isType, type LedgerEvent } from './ledger-event.js';
import { Seq } from './receipt-fields.js';
import { renderReceipt } from './render-receipt.js';
import { projectValidationReport } from './validation-report.js';

const published = PAYLOADS['version.published'].shape;
const registry = published.registry.shape;

/** run_manifest.json: see projectRunManifest. */
export const RunManifest = z.strictObject({
  kind: z.literal('kfm.run_manifest'),
  dataset_id: DatasetId,
  run_id: RunId,
  version_id: published.version_id,
  content_hash: published.content_hash,
  reused: z.boolean(),
  supersedes: published.supersedes,
  spec_hashes: z.array(
    z.strictObject({ stage: PAYLOADS['run.started'].shape.stage, spec_hash: Sha256Hex, seq: Seq }),
  ),
  artifacts: published.artifacts,
  catalogs: z.array(PAYLOADS['catalog.emitted']),
  license: registry.license,
  sensitivity: registry.sensitivity,
  policy_labels: registry.policy_labels,
  redaction: z.array(
    PAYLOADS['transform.applied'].pick({ name: true, params: true, summary: true }).extend({ seq: Seq }),
  ),
  validation: z.strictObject({ passed: z.boolean(), seq: Seq, report_sha256: Sha256Hex }).nullable(),
  ledger_anchor: z.strictObject({
    seq: Seq,
    hash: Sha256Hex,
    type: z.enum(['version.published', 'version.reused']),
  }),
});
export type RunManifest = z.infer<typeof RunManifest>;

/**
 * run_manifest.json, the Promotion Contract receipt: what this run published (or found already
 * published), under which spec, policy and validation, anchored to the ledger event that proves it.
 * `published` holds the dataset's version.published events, so a reused run can list artifacts.
 */
export function projectRunManifest(
  events: readonly LedgerEvent[],
  published: readonly LedgerEvent[],
  sha256: Sha256Hasher,
): RunManifest | null {
  const anchor = events.filter((e) => isType(e, 'version.published') || isType(e, 'version.reused')).at(-1);
  if (anchor === undefined) return null;
  const { version_id, content_hash, registry } = anchor.payload as PayloadOf<'version.reused'>;
  const origin = published.find((e) => isType(e, 'version.published') && e.payload.version_id === version_id);
  const version = origin?.payload as PayloadOf<'version.published'> | undefined;
  const report = projectValidationReport(events);
  return {
    kind: 'kfm.run_manifest',
    dataset_id: anchor.dataset_id,
    run_id: anchor.run_id,
    version_id,
    content_hash,
    reused: anchor.type === 'version.reused',
    supersedes: version?.supersedes ?? null,
    spec_hashes: events.flatMap((e) =>
      isType(e, 'run.started')
        ? [{ stage: e.payload.stage, spec_hash: e.payload.spec_hash, seq: e.seq }]
        : [],
    ),
    artifacts: version?.artifacts ?? [],
    // The catalogs of the promotion this receipt is anchored to: every promotion re-emits them
    // all, so an earlier one's would list each path again, with sha256s the files no longer have.
    catalogs: events.flatMap((e) => (isType(e, 'catalog.emitted') && e.seq > anchor.seq ? [e.payload] : [])),
    license: registry.license,
    sensitivity: registry.sensitivity,
    policy_labels: registry.policy_labels,
    redaction: events.flatMap((e) =>
      isType(e, 'transform.applied')
        ? [{ name: e.payload.name, params: e.payload.params, summary: e.payload.summary, seq: e.seq }]
        : [],
    ),
    validation:
      report === null
        ? null
        : {
            passed: report.passed,
            seq: report.ledger.seq,
            report_sha256: sha256(utf8(renderReceipt(report))),
          },
    ledger_anchor: {
      seq: anchor.seq,
      hash: anchor.hash,
      type: anchor.type as RunManifest['ledger_anchor']['type'],
    },
  };
}
