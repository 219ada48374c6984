import { mediaTypeOf } from '../../catalogs/catalog-input.js';
import { renderProv } from '../../catalogs/prov.js';
import { nodeSha256Hex } from '../../ledger/node-hasher.js';
import { isType } from '../../projections/ledger-event.js';
import type { ProvenanceBundle } from '../../projections/provenance-bundle.js';
import { projectRunManifest } from '../../projections/run-manifest.js';
import { renderChecksums } from '../../zones/checksums.js';
import { visibleVersion } from '../dataset-access.js';
import { jsonReply } from '../reply.js';
import { cacheControl, type Handler, paths } from '../serve-app.js';

const GENERALIZATION = /^(?:generali[sz]|redact)/;

/**
 * GET /datasets/{id}/versions/{version_id}/provenance: everything a client needs to trust the
 * version without trusting this server — content hash and artifact checksums (also as a
 * `sha256sum -c` file), the runs that published or reused it, spec hashes, the validation outcome,
 * the generalizations applied, the PROV-JSON of the publishing run (the bytes of the catalog file),
 * and the ledger anchor: seq and hash of the version.published event plus the head the answer was
 * read at, so `kfm verify --anchor <seq>:<hash>` on a copy of the ledger proves both.
 */
export const showProvenance: Handler = async (app, request) => {
  const { dataset_id, version_id } = request.params as { dataset_id: string; version_id: string };
  const { snapshot } = request;
  const dataset = await app.access.dataset(snapshot, dataset_id, request.caller);
  const version = visibleVersion(dataset, version_id);
  const { event } = version;
  const runEvents = await snapshot.runEvents(dataset_id, event.run_id);
  const manifest = projectRunManifest(runEvents, await snapshot.published(dataset_id), nodeSha256Hex);
  const operator = runEvents.find((e) => e.type === 'run.started')?.actor.operator;
  const reused = (await snapshot.reused(dataset_id)).filter((e) => e.payload.version_id === version_id);
  const validation = runEvents.filter((e) => isType(e, 'validation.reported')).at(-1);
  const last = app.health.last;
  const anchor = `${event.seq}:${event.hash}`;
  const head = `${snapshot.head.seq}:${snapshot.head.hash}`;
  const bundle: ProvenanceBundle = {
    kind: 'kfm.provenance_bundle',
    dataset_id,
    version_id,
    content_hash: event.payload.content_hash,
    published_at: event.recorded_at,
    supersedes: event.payload.supersedes,
    artifacts: event.payload.artifacts.map((a) => ({
      ...a,
      media_type: mediaTypeOf(a.path),
      url: paths.artifact(dataset_id, version_id, a.path),
    })),
    checksums_sha256: renderChecksums(event.payload.artifacts),
    run_id: event.run_id,
    runs: [
      { run_id: event.run_id, relation: 'published', seq: event.seq },
      ...reused.map((e) => ({ run_id: e.run_id, relation: 'reused' as const, seq: e.seq })),
    ],
    spec_hashes: manifest?.spec_hashes ?? [],
    validation:
      validation === undefined || !isType(validation, 'validation.reported')
        ? null
        : {
            passed: validation.payload.passed,
            seq: validation.seq,
            hash: validation.hash,
            checks: validation.payload.checks.map((c) => ({ name: c.name, passed: c.passed })),
            report_sha256: manifest?.validation?.report_sha256 ?? null,
          },
    generalizations: (manifest?.redaction ?? []).filter((t) => GENERALIZATION.test(t.name)),
    transforms: manifest?.redaction ?? [],
    registry: {
      license: event.payload.registry.license,
      sensitivity: event.payload.registry.sensitivity,
      policy_labels: event.payload.registry.policy_labels,
      generalization: event.payload.registry.generalization ?? null,
    },
    catalogs: manifest?.catalogs ?? [],
    // Spread into an object literal: an interface has no index signature to match the schema's.
    prov: { ...renderProv(runEvents, operator === undefined ? {} : { operator }) },
    ledger_anchor: {
      type: 'version.published',
      seq: event.seq,
      hash: event.hash,
      event_id: event.event_id,
      recorded_at: event.recorded_at,
    },
    ledger_head: snapshot.head,
    chain_verification:
      last === null ? null : { ok: last.ok, head: last.head, finished_at: last.finished_at },
    verify_with: `kfm verify --anchor ${anchor} --anchor ${head}`,
    links: {
      version: paths.version(dataset_id, version_id),
      lineage: paths.lineage(dataset_id, version_id),
    },
  };
  return jsonReply(bundle, { 'Cache-Control': cacheControl(version.classes) });
};
