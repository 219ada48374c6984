import {
  type Bbox,
  type CatalogEntry,
  type CatalogInput,
  mediaTypeOf,
  type PublishedVersion,
  projectCatalogInput,
  type TimeSpan,
} from '../../catalogs/catalog-input.js';
import { type DcatDataset, renderDcatCatalog, renderDcatDataset } from '../../catalogs/dcat.js';
import { bboxGeometry, geoExtent, unionBbox } from '../../catalogs/geo-extent.js';
import { renderProv } from '../../catalogs/prov.js';
import { renderStacCollection, renderStacItem, stacItemPath } from '../../catalogs/stac.js';
import { type CatalogValidation, validateCatalogDocument } from '../../catalogs/validate-catalogs.js';
import type { LedgerEvent } from '../../projections/ledger-event.js';
import type { VersionArtifact } from './content-hash.js';

export type CatalogKind = 'dcat' | 'stac' | 'prov';

export interface CatalogFile {
  kind: CatalogKind;
  /** Relative to the catalog zone (data/catalog/). */
  path: string;
  document: unknown;
}

export interface CandidateVersion {
  version_id: string;
  content_hash: string;
  artifacts: readonly VersionArtifact[];
  /** When the candidate would be published: the promote stage's start, so planning reads no clock. */
  published_at: string;
  run_id: string;
  bbox?: Bbox;
  time_span?: TimeSpan;
  data_dictionary?: PublishedVersion['data_dictionary'];
  /** The base URL it would be recorded with (promote --base-url, or the dataset's last one). */
  base_url?: string;
}

export interface CatalogSources {
  dataset_id: string;
  /** The registry entry now (for a candidate) — the gate has already said whether it is complete. */
  entry: CatalogEntry | null;
  /** version.published events of this dataset, and of every dataset (for data/catalog/dcat/catalog.json). */
  published: readonly LedgerEvent[];
  allPublished: readonly LedgerEvent[];
  runEvents: readonly LedgerEvent[];
  /** A version not yet recorded, to validate catalogs before the gate passes; null after publication. */
  candidate: CandidateVersion | null;
}

/**
 * Every catalog file of a promotion, rendered from the ledger (docs/design.md, "Projections and
 * replay"): DCAT always (the dataset and the data.json of all datasets), STAC when spatial, PROV
 * always, one document per run. Pure.
 */
export function planCatalogFiles(sources: CatalogSources): CatalogFile[] {
  const input = catalogInput(sources);
  if (input === null) return [];
  const dataset = dcatDatasetFile(input);
  const others = groupByDataset(sources.allPublished)
    .filter(([id]) => id !== sources.dataset_id)
    .flatMap(([, events]) => {
      const other = projectCatalogInput(events);
      return other === null ? [] : [renderDcatDataset(other)];
    });
  const files: CatalogFile[] = [dataset, dataCatalogFile(others, dataset)];
  if (input.entry.spatial) files.push(...stacFiles(input));
  files.push(provFile(sources.dataset_id, sources.runEvents, sources.candidate?.run_id));
  return files;
}

/**
 * Where a dataset's catalogs go, relative to the catalog zone: what a promotion writes, and what
 * it checks is writable before it records anything.
 */
export const dcatDatasetPath = (datasetId: string): string => `dcat/${datasetId}.json`;
export const provPath = (datasetId: string, runId: string): string => `prov/${datasetId}/run_${runId}.json`;
export const stacCollectionPath = (datasetId: string): string => `stac/${datasetId}/collection.json`;

/** data/catalog/dcat/<id>.json: the DCAT dataset with every version as a distribution. */
export function dcatDatasetFile(input: CatalogInput): CatalogFile {
  return { kind: 'dcat', path: dcatDatasetPath(input.dataset_id), document: renderDcatDataset(input) };
}

/**
 * The DCAT catalog of all datasets. A dataset named `catalog` would have its DCAT dataset here too;
 * every promotion writes the catalog after it, so the catalog is what the path holds.
 */
export const DATA_CATALOG_PATH = 'dcat/catalog.json';

/**
 * The DCAT catalog of all datasets (data.json) as a promotion leaves it: every other dataset that
 * has published (in the order each first did), then `dataset`, the promoted one.
 */
export function dataCatalogFile(others: readonly DcatDataset[], dataset: CatalogFile): CatalogFile {
  const document = renderDcatCatalog([...others, dataset.document as DcatDataset]);
  return { kind: 'dcat', path: DATA_CATALOG_PATH, document };
}

/** data/catalog/prov/<id>/run_<run_id>.json: the PROV of one run. */
export function provFile(
  datasetId: string,
  runEvents: readonly LedgerEvent[],
  candidateRunId?: string,
): CatalogFile {
  const operator = runEvents.find((e) => e.type === 'run.started')?.actor.operator;
  const prov = renderProv(runEvents, operator === undefined ? {} : { operator });
  const runId = runEvents[0]?.run_id ?? candidateRunId ?? 'unknown';
  return { kind: 'prov', path: provPath(datasetId, runId), document: prov };
}

export function validateCatalogFiles(
  files: readonly CatalogFile[],
): (CatalogValidation & { kind: CatalogKind; path: string })[] {
  return files.map((file) => ({
    kind: file.kind,
    path: file.path,
    ...validateCatalogDocument(file.kind, file.document),
  }));
}

/** The spatial extent of published GeoJSON bytes; what version.published records as bbox. */
export function publishedBbox(files: readonly { path: string; bytes: Uint8Array }[]): Bbox | undefined {
  const documents = files
    .filter((f) => /\.(geo)?json$/i.test(f.path))
    .flatMap((f) => {
      try {
        return [JSON.parse(new TextDecoder().decode(f.bytes)) as unknown];
      } catch {
        return [];
      }
    });
  return geoExtent(documents)?.bbox;
}

function catalogInput(sources: CatalogSources): CatalogInput | null {
  const recorded = projectCatalogInput(sources.published);
  const { candidate } = sources;
  if (candidate === null) return recorded;
  const entry = sources.entry;
  if (entry === null) return null;
  const versions = recorded?.versions ?? [];
  const next: PublishedVersion = {
    version_id: candidate.version_id,
    content_hash: candidate.content_hash,
    run_id: candidate.run_id,
    published_at: candidate.published_at,
    supersedes: versions.at(-1)?.version_id ?? null,
    artifacts: candidate.artifacts.map((a) => ({ ...a, media_type: mediaTypeOf(a.path) })),
    ...(candidate.bbox === undefined ? {} : { bbox: candidate.bbox }),
    ...(candidate.time_span === undefined ? {} : { time_span: candidate.time_span }),
    ...(candidate.data_dictionary === undefined ? {} : { data_dictionary: candidate.data_dictionary }),
  };
  const known = versions.some((v) => v.version_id === next.version_id);
  // A reuse records nothing new: the catalogs keep the base URL the newest version was published with.
  const baseUrl = known ? recorded?.base_url : candidate.base_url;
  return {
    dataset_id: sources.dataset_id,
    entry,
    versions: known ? versions : [...versions, next],
    ...(baseUrl === undefined ? {} : { base_url: baseUrl }),
  };
}

/** data/catalog/stac/<id>/: the collection and an item per version with an extent. */
export function stacFiles(input: CatalogInput): CatalogFile[] {
  const ds = input.dataset_id;
  const bboxes = input.versions.flatMap((v) => (v.bbox === undefined ? [] : [v.bbox]));
  const overall = unionBbox(bboxes);
  // A spatial dataset without any extent has no valid STAC Collection; an empty document fails
  // validation, so the gate denies with CATALOG_INVALID instead of publishing without STAC.
  const collection = overall === null ? null : renderStacCollection(input, overall);
  const files: CatalogFile[] = [{ kind: 'stac', path: stacCollectionPath(ds), document: collection }];
  for (const version of input.versions) {
    if (version.bbox === undefined) continue;
    const document = renderStacItem(input, version, {
      bbox: version.bbox,
      geometry: bboxGeometry(version.bbox),
    });
    files.push({ kind: 'stac', path: `stac/${ds}/${stacItemPath(ds, version.version_id)}`, document });
  }
  return files;
}

function groupByDataset(events: readonly LedgerEvent[]): [string, LedgerEvent[]][] {
  const groups = new Map<string, LedgerEvent[]>();
  for (const event of events) {
    const group = groups.get(event.dataset_id);
    if (group === undefined) groups.set(event.dataset_id, [event]);
    else group.push(event);
  }
  return [...groups.entries()];
}
