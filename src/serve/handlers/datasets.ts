import { type CatalogInput, projectCatalogInput } from '../../catalogs/catalog-input.js';
import { renderDcatDataset } from '../../catalogs/dcat.js';
import type { Dataset, DatasetList } from '../api-schemas.js';
import type { VisibleDataset, VisibleVersion } from '../dataset-access.js';
import { bboxOnGrid, requiredPrecision } from '../policy.js';
import { jsonReply, type Reply } from '../reply.js';
import { cacheControl, type Handler, paths } from '../serve-app.js';

/** GET /datasets: every dataset the caller may see, with its class and latest version. */
export const listDatasets: Handler = async (app, request) => {
  const datasets = await app.access.datasets(request.snapshot, request.caller);
  const body: DatasetList = { datasets: datasets.map(summaryOf), ledger_head: request.snapshot.head };
  return jsonReply(body, { 'Cache-Control': cacheControl(datasets.map((d) => d.classification)) });
};

/** GET /datasets/{id}: registry facts, the visible versions and the DCAT record rendered from the ledger. */
export const showDataset: Handler = async (app, request): Promise<Reply> => {
  const dataset = await app.access.dataset(request.snapshot, request.params.dataset_id!, request.caller);
  const { entry, classification } = dataset;
  const body: Dataset = {
    dataset_id: dataset.id,
    registry: {
      title: entry.title ?? null,
      description: entry.description ?? null,
      publisher: entry.publisher ?? null,
      contact_point: entry.contact_point ?? null,
      license: classification.license,
      sensitivity: classification.sensitivity,
      policy_labels: [...classification.policy_labels],
      spatial: entry.spatial ?? false,
      generalization: entry.generalization ?? null,
      keywords: entry.keywords ?? [],
      temporal: entry.temporal ?? null,
    },
    latest_version: dataset.versions.at(-1)?.event.payload.version_id ?? null,
    versions: dataset.versions.map((v) => ({
      version_id: v.event.payload.version_id,
      content_hash: v.event.payload.content_hash,
      published_at: v.event.recorded_at,
      supersedes: v.event.payload.supersedes,
      run_id: v.event.run_id,
      links: {
        self: paths.version(dataset.id, v.event.payload.version_id),
        provenance: paths.provenance(dataset.id, v.event.payload.version_id),
      },
    })),
    dcat: dcatOf(dataset),
    ledger_head: request.snapshot.head,
    links: { self: paths.dataset(dataset.id), lineage: paths.lineage(dataset.id) },
  };
  return jsonReply(body, { 'Cache-Control': cacheControl(classesOf(dataset)) });
};

function summaryOf(dataset: VisibleDataset): DatasetList['datasets'][number] {
  const latest = dataset.versions.at(-1)?.event;
  return {
    dataset_id: dataset.id,
    title: dataset.entry.title ?? null,
    sensitivity: dataset.classification.sensitivity,
    policy_labels: [...dataset.classification.policy_labels],
    license: dataset.classification.license,
    spatial: dataset.entry.spatial ?? false,
    latest_version:
      latest === undefined
        ? null
        : {
            version_id: latest.payload.version_id,
            content_hash: latest.payload.content_hash,
            published_at: latest.recorded_at,
          },
    versions: dataset.versions.length,
    links: { self: paths.dataset(dataset.id) },
  };
}

export function classesOf(dataset: VisibleDataset, versions: readonly VisibleVersion[] = dataset.versions) {
  return [dataset.classification, ...versions.flatMap((v) => v.classes)];
}

/**
 * The catalog input of the versions this caller may see, from the ledger exactly as the catalog
 * files are rendered. For sensitive-location data an extent that is not on the grid is left out:
 * the boundary checks every coordinate it serves, not only those inside artifacts.
 */
export function visibleCatalogInput(dataset: VisibleDataset): CatalogInput | null {
  const input = projectCatalogInput(dataset.versions.map((v) => v.event));
  if (input === null) return null;
  const precision = requiredPrecision(classesOf(dataset));
  if (precision === undefined) return input;
  const versions = input.versions.map((v) => {
    if (v.bbox === undefined || bboxOnGrid(v.bbox, precision)) return v;
    const { bbox: _dropped, ...rest } = v;
    return rest;
  });
  return { ...input, versions };
}

/** The DCAT-US record of the versions this caller may see. */
function dcatOf(dataset: VisibleDataset) {
  const input = visibleCatalogInput(dataset);
  return input === null ? null : renderDcatDataset(input);
}
