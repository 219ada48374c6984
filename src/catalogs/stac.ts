import {
  apiUrl,
  artifactUrl,
  type Bbox,
  type CatalogInput,
  definedOnly,
  type PublishedArtifact,
  type PublishedVersion,
  spdxLicenseUrl,
} from './catalog-input.js';
import type { GeoExtent } from './geo-extent.js';
import { utcDateTime } from './registry-time.js';

/**
 * STAC 1.1.0 for spatial datasets: one Collection per dataset, one Item per published version,
 * laid out as `data/catalog/stac/<id>/collection.json` and `items/<version_id>/<item id>.json`.
 * It is a "relative published catalog" (STAC best practices, "Use of links"): links between its
 * own files are relative, so the folder can be copied anywhere, and each document's `self` link is
 * the absolute URL (STAC 1.1.0 requires `self` absolute) where the governed API serves it, the same
 * layout under `<base-url>/datasets/<id>/stac/`. Asset hrefs are the API's artifact URLs.
 */
export const STAC_VERSION = '1.1.0';
/** STAC File Info extension: `file:checksum` (multihash, lowercase hex) and `file:size` on assets. */
export const STAC_FILE_EXTENSION = 'https://stac-extensions.github.io/file/v2.1.0/schema.json';

export function stacItemId(datasetId: string, versionId: string): string {
  return `${datasetId}-${versionId}`;
}

/** An Item's file, relative to the collection's folder data/catalog/stac/<dataset_id>/. */
export function stacItemPath(datasetId: string, versionId: string): string {
  return `items/${versionId}/${stacItemId(datasetId, versionId)}.json`;
}

/** Where the governed API serves a document of the dataset's STAC catalog (`path` as in its folder). */
export function stacUrl(input: CatalogInput, path: string): string {
  return apiUrl(input, ['datasets', input.dataset_id, 'stac', ...path.split('/')]);
}

/** Multihash of a sha2-256 digest: code 0x12, length 0x20, then the digest (multiformats/multihash). */
export function sha256Multihash(sha256: string): string {
  return `1220${sha256}`;
}

function licenseLink(input: CatalogInput) {
  return { rel: 'license', href: spdxLicenseUrl(input.entry.license), type: 'text/html' };
}

/**
 * The Collection. `bbox` is the union of the versions' extents (see `unionBbox`); the temporal
 * extent is the registry's `temporal`, else from the earliest instant the versions' records cover,
 * else from the first publication, open-ended (null) unless the registry closes it.
 */
export function renderStacCollection(input: CatalogInput, bbox: Bbox): Record<string, unknown> {
  const { entry, dataset_id } = input;
  const temporal = entry.temporal;
  const start =
    temporal === undefined
      ? (earliestDataStart(input) ?? input.versions[0]?.published_at ?? null)
      : utcDateTime(temporal.since, false);
  const end = temporal?.until === undefined ? null : utcDateTime(temporal.until, true);
  const json = 'application/json';
  return definedOnly({
    type: 'Collection',
    stac_version: STAC_VERSION,
    id: dataset_id,
    title: entry.title,
    description: entry.description,
    keywords: entry.keywords === undefined ? undefined : [...entry.keywords],
    license: entry.license,
    providers:
      entry.publisher === undefined ? undefined : [{ name: entry.publisher, roles: ['licensor', 'host'] }],
    extent: { spatial: { bbox: [[...bbox]] }, temporal: { interval: [[start, end]] } },
    links: [
      { rel: 'self', href: stacUrl(input, 'collection.json'), type: json },
      { rel: 'root', href: './collection.json', type: json, title: entry.title },
      ...input.versions.map((v) => ({
        rel: 'item',
        href: `./${stacItemPath(dataset_id, v.version_id)}`,
        type: 'application/geo+json',
        title: v.version_id,
      })),
      licenseLink(input),
    ],
  });
}

/** The earliest `time_span.start` of any version (ISO-8601 UTC strings order as instants). */
function earliestDataStart(input: CatalogInput): string | undefined {
  return input.versions.flatMap((v) => (v.time_span === undefined ? [] : [v.time_span.start])).sort()[0];
}

function asset(input: CatalogInput, version: PublishedVersion, artifact: PublishedArtifact) {
  return {
    href: artifactUrl(input, version, artifact),
    type: artifact.media_type,
    title: artifact.path,
    roles: ['data'],
    'file:checksum': sha256Multihash(artifact.sha256),
    'file:size': artifact.bytes,
  };
}

/**
 * When an Item's data is (STAC Item `datetime`, or `start_datetime`–`end_datetime` with a null
 * `datetime` for a range): the instants its records cover (version.published `time_span`), else the
 * registry's temporal range (open-ended: up to the publication), else — nothing better being known —
 * the publication time, which `created` also states.
 */
function itemTimes(input: CatalogInput, version: PublishedVersion) {
  const span = version.time_span;
  if (span !== undefined) {
    return span.start === span.end
      ? { datetime: span.start }
      : { datetime: null, start_datetime: span.start, end_datetime: span.end };
  }
  const temporal = input.entry.temporal;
  if (temporal === undefined) return { datetime: version.published_at };
  return {
    datetime: null,
    start_datetime: utcDateTime(temporal.since, false),
    end_datetime: temporal.until === undefined ? version.published_at : utcDateTime(temporal.until, true),
  };
}

/**
 * The Item of one published version. `extent` must come from the published (generalized) features
 * (`geoExtent`) or the version.published bbox (`bboxGeometry`), never from raw. Its times are
 * `itemTimes`. It links to its predecessor,
 * and once superseded to its successor and the latest version (IANA relations, RFC 5829), so an
 * older Item is rewritten when a newer version is published (it is a projection: replay agrees).
 */
export function renderStacItem(
  input: CatalogInput,
  version: PublishedVersion,
  extent: GeoExtent,
): Record<string, unknown> {
  const { entry, dataset_id } = input;
  const collection = '../../collection.json';
  const json = 'application/json';
  const itemPath = stacItemPath(dataset_id, version.version_id);
  const links = [
    { rel: 'self', href: stacUrl(input, itemPath), type: 'application/geo+json' },
    { rel: 'root', href: collection, type: json, title: entry.title },
    { rel: 'parent', href: collection, type: json, title: entry.title },
    { rel: 'collection', href: collection, type: json, title: entry.title },
    ...versionLinks(input, version),
    licenseLink(input),
  ];
  return {
    type: 'Feature',
    stac_version: STAC_VERSION,
    stac_extensions: [STAC_FILE_EXTENSION],
    id: stacItemId(dataset_id, version.version_id),
    collection: dataset_id,
    bbox: [...extent.bbox],
    geometry: structuredClone(extent.geometry),
    properties: definedOnly({
      title: entry.title === undefined ? version.version_id : `${entry.title} (${version.version_id})`,
      ...itemTimes(input, version),
      created: version.published_at,
      license: entry.license,
      'kfm:version_id': version.version_id,
      'kfm:content_hash': version.content_hash,
      'kfm:run_id': version.run_id,
      'kfm:sensitivity': entry.sensitivity,
    }),
    links: links.map(definedOnly),
    assets: Object.fromEntries(version.artifacts.map((a) => [a.path, asset(input, version, a)])),
  };
}

/**
 * RFC 5829 version links between Items. Only versions with an Item (an extent) are linked to, so
 * no link dangles: `successor-version` is the version that superseded this one, `latest-version`
 * the newest version with an Item, when that is another one.
 */
function versionLinks(input: CatalogInput, version: PublishedVersion) {
  const itemLink = (rel: string, versionId: string) => ({
    rel,
    href: `../../${stacItemPath(input.dataset_id, versionId)}`,
    type: 'application/geo+json',
  });
  const links: ReturnType<typeof itemLink>[] = [];
  if (version.supersedes !== null) links.push(itemLink('predecessor-version', version.supersedes));
  const successor = input.versions.find((v) => v.supersedes === version.version_id && v.bbox !== undefined);
  if (successor !== undefined) links.push(itemLink('successor-version', successor.version_id));
  const latest = input.versions.filter((v) => v.bbox !== undefined).at(-1);
  if (latest !== undefined && latest.version_id !== version.version_id)
    links.push(itemLink('latest-version', latest.version_id));
  return links;
}
