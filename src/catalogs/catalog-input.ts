import type { PayloadOf } from '../events/index.js';
import { isType, type LedgerEvent } from '../projections/ledger-event.js';
import type { DatasetEntry, Sensitivity } from '../registry/dataset-entry.js';

/**
 * What the catalog renderers need, all of it taken from the ledger (the registry snapshot and the
 * version.published events), so DCAT, STAC and PROV replay byte for byte (docs/design.md, "Projections
 * and replay"). Pure: no clock, no file system; every time comes from an event.
 */

/** [west, south, east, north] in WGS 84 degrees (RFC 7946 §5, STAC Item `bbox`). */
export type Bbox = [west: number, south: number, east: number, north: number];

export interface PublishedArtifact {
  /** File name inside data/processed/<dataset_id>/<version_id>/. */
  path: string;
  sha256: string;
  bytes: number;
  media_type: string;
}

/** The instants a version's records cover (version.published `time_span`): ISO-8601 UTC, start ≤ end. */
export interface TimeSpan {
  start: string;
  end: string;
}

export interface PublishedVersion {
  version_id: string;
  content_hash: string;
  run_id: string;
  /** recorded_at of the version.published event (ISO-8601 UTC). */
  published_at: string;
  supersedes: string | null;
  artifacts: PublishedArtifact[];
  /** Extent of the published (generalized) geometry, as recorded in version.published. */
  bbox?: Bbox;
  /** What the published records cover in time, as recorded in version.published (when known). */
  time_span?: TimeSpan;
  /** The connector's data dictionary, as recorded in version.published. */
  data_dictionary?: { url: string; media_type: string };
}

/** The registry facts a catalog states; the gate has already required license, sensitivity, labels. */
export type CatalogEntry = Pick<
  DatasetEntry,
  | 'title'
  | 'description'
  | 'publisher'
  | 'contact_point'
  | 'spatial'
  | 'keywords'
  | 'temporal'
  | 'generalization'
> & { license: string; sensitivity: Sensitivity; policy_labels: string[] };

export interface CatalogInput {
  dataset_id: string;
  entry: CatalogEntry;
  /** Oldest first. */
  versions: PublishedVersion[];
  /**
   * Where the governed API serves artifacts, the only serving path (seed: "trust membrane"): the
   * `base_url` the newest version was published with (promote --base-url). Absent: DEFAULT_BASE_URL.
   */
  base_url?: string;
}

export const DEFAULT_BASE_URL = 'http://127.0.0.1:8080';

/** The governed API's URL of `segments` (each percent-encoded) under the catalog's base URL. */
export function apiUrl(input: CatalogInput, segments: readonly string[]): string {
  const base = (input.base_url ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
  return `${base}/${segments.map(encodeURIComponent).join('/')}`;
}

/** The governed API's URL of one artifact: `${base_url}/datasets/{id}/versions/{version_id}/artifacts/{name}`. */
export function artifactUrl(
  input: CatalogInput,
  version: PublishedVersion,
  artifact: PublishedArtifact,
): string {
  return apiUrl(input, [
    'datasets',
    input.dataset_id,
    'versions',
    version.version_id,
    'artifacts',
    artifact.path,
  ]);
}

/** Drops keys whose value is undefined: a rendered document is exactly the JSON that is written. */
export function definedOnly<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** SPDX publishes one page per licence id; DCAT-US `license` must be a URL. */
export function spdxLicenseUrl(id: string): string {
  return `https://spdx.org/licenses/${encodeURIComponent(id)}.html`;
}

/** By file extension: the IANA media type (RFC 7946 §12 for GeoJSON) and the format's common name. */
const FILE_TYPES: Readonly<Record<string, { media_type: string; format: string }>> = {
  geojson: { media_type: 'application/geo+json', format: 'GeoJSON' },
  json: { media_type: 'application/json', format: 'JSON' },
  csv: { media_type: 'text/csv', format: 'CSV' },
  tsv: { media_type: 'text/tab-separated-values', format: 'TSV' },
  parquet: { media_type: 'application/vnd.apache.parquet', format: 'Apache Parquet' },
  txt: { media_type: 'text/plain', format: 'Plain text' },
  zip: { media_type: 'application/zip', format: 'ZIP archive' },
};

function fileTypeOf(path: string) {
  const ext = /\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase();
  return ext === undefined ? undefined : FILE_TYPES[ext];
}

/** IANA media type by file extension; unknown ⇒ application/octet-stream. */
export function mediaTypeOf(path: string): string {
  return fileTypeOf(path)?.media_type ?? 'application/octet-stream';
}

/** The human-readable format name (DCAT-US distribution `format`) by extension; unknown ⇒ undefined. */
export function formatNameOf(path: string): string | undefined {
  return fileTypeOf(path)?.format;
}

type Published = LedgerEvent & { type: 'version.published'; payload: PayloadOf<'version.published'> };

/**
 * The catalog input of a dataset from its events (any order, any runs): every version.published,
 * oldest first, and the registry snapshot and base URL of the newest one. null when nothing is
 * published yet.
 */
export function projectCatalogInput(events: Iterable<LedgerEvent>): CatalogInput | null {
  const published: Published[] = [];
  for (const event of events) if (isType(event, 'version.published')) published.push(event as Published);
  published.sort((a, b) => a.seq - b.seq);
  const latest = published.at(-1);
  if (latest === undefined) return null;
  return {
    dataset_id: latest.dataset_id,
    entry: latest.payload.registry as CatalogEntry,
    versions: published.map(publishedVersionOf),
    ...(latest.payload.base_url === undefined ? {} : { base_url: latest.payload.base_url }),
  };
}

export function publishedVersionOf(event: Published): PublishedVersion {
  const p = event.payload;
  return {
    version_id: p.version_id,
    content_hash: p.content_hash,
    run_id: event.run_id,
    published_at: event.recorded_at,
    supersedes: p.supersedes,
    artifacts: p.artifacts.map((a) => ({ ...a, media_type: mediaTypeOf(a.path) })),
    ...(p.bbox === undefined ? {} : { bbox: [...p.bbox] as Bbox }),
    ...(p.time_span === undefined ? {} : { time_span: { ...p.time_span } }),
    ...(p.data_dictionary === undefined ? {} : { data_dictionary: { ...p.data_dictionary } }),
  };
}
