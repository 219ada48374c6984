import type { PayloadOf } from '../events/index.js';
import type { Sha256Hex } from '../ledger/pure/event-hash.js';
import { utf8 } from '../ledger/pure/event-hash.js';
import { isType, type LedgerEvent } from './ledger-event.js';
import { renderReceipt } from './render-receipt.js';
import { projectValidationReport } from './validation-report.js';

export interface RunManifest {
  kind: 'kfm.run_manifest';
  dataset_id: string;
  run_id: string;
  version_id: string;
  content_hash: string;
  reused: boolean;
  supersedes: string | null;
  spec_hashes: { stage: string; spec_hash: string; seq: number }[];
  artifacts: PayloadOf<'version.published'>['artifacts'];
  catalogs: PayloadOf<'catalog.emitted'>[];
  license: string;
  sensitivity: string;
  policy_labels: string[];
  redaction: {
    name: string;
    params: Record<string, unknown>;
    summary: Record<string, unknown>;
    seq: number;
  }[];
  validation: { passed: boolean; seq: number; report_sha256: string } | null;
  ledger_anchor: { seq: number; hash: string; type: 'version.published' | 'version.reused' };
}

/**
 * run_manifest.json, the Promotion Contract receipt: what this run published (or found already
 * published), under which spec, policy and validation, anchored to the ledger event that proves it.
 * `published` holds the dataset's version.published events, so a reused run can list artifacts.
 */
export function projectRunManifest(
  events: readonly LedgerEvent[],
  published: readonly LedgerEvent[],
  sha256: Sha256Hex,
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
