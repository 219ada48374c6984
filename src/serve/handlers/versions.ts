import { mediaTypeOf } from '../../catalogs/catalog-input.js';
import type { DatasetVersion } from '../api-schemas.js';
import { visibleVersion } from '../dataset-access.js';
import { bboxOnGrid, requiredPrecision } from '../policy.js';
import { jsonReply } from '../reply.js';
import { cacheControl, type Handler, paths } from '../serve-app.js';
import { classesOf } from './datasets.js';

/**
 * GET /datasets/{id}/versions/{version_id}: the DatasetVersion projection of its version.published
 * event — content hash, artifacts with checksums and links, supersession, the registry snapshot it
 * was published under, and the ledger event that anchors it.
 */
export const showVersion: Handler = async (app, request) => {
  const { dataset_id, version_id } = request.params as { dataset_id: string; version_id: string };
  const dataset = await app.access.dataset(request.snapshot, dataset_id, request.caller);
  const version = visibleVersion(dataset, version_id);
  const { event } = version;
  const p = event.payload;
  const next = dataset.versions.find((v) => v.event.payload.supersedes === version_id);
  const precision = requiredPrecision(classesOf(dataset, [version]));
  // Sensitive-location: an extent off the grid would say more than the generalized data does.
  const bbox =
    p.bbox !== undefined && (precision === undefined || bboxOnGrid(p.bbox, precision)) ? p.bbox : null;
  const body: DatasetVersion = {
    dataset_id,
    version_id,
    content_hash: p.content_hash,
    run_id: event.run_id,
    published_at: event.recorded_at,
    supersedes: p.supersedes,
    superseded_by: next?.event.payload.version_id ?? null,
    latest: dataset.versions.at(-1) === version,
    artifacts: p.artifacts.map((a) => ({
      path: a.path,
      sha256: a.sha256,
      bytes: a.bytes,
      media_type: mediaTypeOf(a.path),
      links: { self: paths.artifact(dataset_id, version_id, a.path) },
    })),
    bbox,
    registry: {
      license: p.registry.license,
      sensitivity: p.registry.sensitivity,
      policy_labels: p.registry.policy_labels,
      generalization: p.registry.generalization ?? null,
    },
    ledger: { seq: event.seq, hash: event.hash, event_id: event.event_id },
    links: {
      self: paths.version(dataset_id, version_id),
      dataset: paths.dataset(dataset_id),
      provenance: paths.provenance(dataset_id, version_id),
      lineage: paths.lineage(dataset_id, version_id),
    },
  };
  return jsonReply(body, { 'Cache-Control': cacheControl(classesOf(dataset, [version])) });
};
