import type { Sensitivity } from '../registry/dataset-entry.js';
import {
  apiUrl,
  artifactUrl,
  type Bbox,
  type CatalogInput,
  definedOnly,
  formatNameOf,
  type PublishedArtifact,
  type PublishedVersion,
  spdxLicenseUrl,
} from './catalog-input.js';
import { unionBbox } from './geo-extent.js';
import { asDateTime, isDateOnly } from './registry-time.js';

/**
 * DCAT-US v1.1 (Project Open Data metadata schema, the JSON-LD serialization of W3C DCAT that
 * data.json catalogs use), validated against the non-federal schema (no bureauCode/programCode).
 * Field names and value forms follow https://project-open-data.cio.gov/v1.1/schema.
 */
export const DCAT_US_CONFORMS_TO = 'https://project-open-data.cio.gov/v1.1/schema';
export const DCAT_US_CONTEXT = 'https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld';
export const DCAT_US_DESCRIBED_BY = 'https://project-open-data.cio.gov/v1.1/schema/catalog.json';

export type DcatDataset = Record<string, unknown> & { identifier: string };

/**
 * DCAT-US `accessLevel` has three values. Every sensitivity class that promotion lets through is
 * published with download URLs, so none is `non-public` ("not available to members of the public");
 * the three governed classes are `restricted public` ("available under certain use restrictions"),
 * and `rights` says which restriction, as DCAT-US asks of every non-public level.
 */
export const ACCESS_LEVEL: Readonly<Record<Sensitivity, 'public' | 'restricted public'>> = {
  public: 'public',
  restricted: 'restricted public',
  'sensitive-location': 'restricted public',
  'aggregate-only': 'restricted public',
};

/** DCAT-US `rights`: at most 255 characters, explaining why access is not simply public. */
export function rightsStatement(input: CatalogInput): string | undefined {
  const { sensitivity, generalization } = input.entry;
  switch (sensitivity) {
    case 'public':
      return undefined;
    case 'restricted':
      return restrictedRights(input);
    case 'sensitive-location': {
      const grid =
        generalization === undefined ? "the registry's precision" : `a ${generalization.precision_deg}° grid`;
      return `Sensitive locations: every published coordinate is generalized to ${grid} to protect the sites; exact locations are never published.`;
    }
    case 'aggregate-only':
      return 'Aggregate-only: only aggregated values are published; record-level data is withheld.';
  }
}

/**
 * How to get access to a restricted dataset: which token roles the governed API admits (its policy
 * labels, see README "Policy boundary") and whom to ask. The roles are left out if naming them all
 * would pass DCAT-US's 255 characters.
 */
function restrictedRights(input: CatalogInput): string {
  const { contact_point: contact, publisher, policy_labels: labels } = input.entry;
  const whom =
    contact === undefined
      ? (publisher ?? 'the publisher')
      : `${contact.fn} (${contact.hasEmail.replace(/^mailto:/, '')})`;
  const ask = `Request access from ${whom}.`;
  const roles = `Restricted: the governed API serves it only with a bearer token holding one of the roles ${labels.join(', ')}. `;
  const full = `${roles}${ask}`;
  return full.length <= 255
    ? full
    : `Restricted: the governed API serves it only to authorised callers. ${ask}`.slice(0, 255);
}

/** SPDX 2.3 checksum vocabulary, as DCAT 2 (§6.8 dcat:Distribution, spdx:checksum) recommends. */
const SPDX = 'http://spdx.org/rdf/terms#';

/**
 * One distribution per artifact of every published version (oldest first), with its format's name
 * and, when the connector declared a data dictionary, `describedBy` and its media type. DCAT-US v1.1 has no
 * checksum field, so the sha256 goes twice: in `description` (shown by every data.json consumer)
 * and as DCAT 2's spdx:checksum under full IRIs. The non-federal schema allows extra keys, and full
 * IRIs expand correctly under the POD @context, which defines no `spdx:` prefix.
 */
function distribution(input: CatalogInput, version: PublishedVersion, artifact: PublishedArtifact) {
  const supersedes = version.supersedes === null ? '' : `; supersedes ${version.supersedes}`;
  return definedOnly({
    '@type': 'dcat:Distribution',
    title: `${artifact.path} (${version.version_id})`,
    description:
      `Version ${version.version_id} (content_hash ${version.content_hash}${supersedes}), published ` +
      `${version.published_at} by run ${version.run_id}. ${artifact.bytes} bytes, sha256:${artifact.sha256}.`,
    downloadURL: artifactUrl(input, version, artifact),
    mediaType: artifact.media_type,
    format: formatNameOf(artifact.path),
    describedBy: version.data_dictionary?.url,
    describedByType: version.data_dictionary?.media_type,
    [`${SPDX}checksum`]: {
      '@type': `${SPDX}Checksum`,
      [`${SPDX}algorithm`]: { '@id': `${SPDX}checksumAlgorithm_sha256` },
      [`${SPDX}checksumValue`]: artifact.sha256,
    },
  });
}

/** DCAT-US `spatial` as a bounding box: "minLon,minLat,maxLon,maxLat" in decimal degrees. */
function spatialOf(input: CatalogInput): string | undefined {
  const bbox = unionBbox(input.versions.flatMap((v) => (v.bbox === undefined ? [] : [v.bbox as Bbox])));
  return bbox === null ? undefined : bbox.join(',');
}

/**
 * DCAT-US `temporal` is an ISO 8601 interval "start/end" whose ends share one form. The registry may
 * leave `until` open for a dataset still growing; the interval then ends at the latest instant the
 * published records cover (version.published `time_span`), else at the latest publication (an
 * event's time, so replay reproduces it). Two dates stay dates (the open end becomes its UTC day);
 * otherwise both ends are date-times. Without a registry `temporal`, the records' span is stated.
 */
function temporalOf(input: CatalogInput): string | undefined {
  const spans = input.versions.flatMap((v) => (v.time_span === undefined ? [] : [v.time_span]));
  // ISO-8601 UTC strings of one form order as the instants they name.
  const dataEnd = spans
    .map((s) => s.end)
    .sort()
    .at(-1);
  const temporal = input.entry.temporal;
  if (temporal === undefined) {
    const dataStart = spans.map((s) => s.start).sort()[0];
    return dataStart === undefined || dataEnd === undefined ? undefined : `${dataStart}/${dataEnd}`;
  }
  const { since, until } = temporal;
  const known = dataEnd ?? input.versions.at(-1)?.published_at ?? since;
  // A `since` still ahead of the data would make the interval run backwards: it starts and ends there.
  const end = until ?? (Date.parse(known) < Date.parse(since) ? since : known);
  if (isDateOnly(since) && (until === undefined || isDateOnly(until))) return `${since}/${end.slice(0, 10)}`;
  return `${asDateTime(since, false)}/${asDateTime(end, true)}`;
}

/**
 * The DCAT-US dataset of `data/catalog/dcat/<id>.json`. A required fact the registry lacks (title,
 * description, publisher) is left out rather than invented, so the schema check fails closed
 * (CATALOG_INVALID). `contactPoint` defaults to the publisher (vCard `fn` is all the non-federal
 * schema requires); `keyword` falls back to the policy labels so it is never empty.
 */
export function renderDcatDataset(input: CatalogInput): DcatDataset {
  const { entry, versions } = input;
  const landingPage = apiUrl(input, ['datasets', input.dataset_id]);
  const keywords =
    entry.keywords !== undefined && entry.keywords.length > 0 ? entry.keywords : entry.policy_labels;
  const contact =
    entry.contact_point ?? (entry.publisher === undefined ? undefined : { fn: entry.publisher });
  return definedOnly({
    '@type': 'dcat:Dataset',
    // A URI once the operator has named the API's public URL; the bare id before, as it always was.
    identifier: input.base_url === undefined ? input.dataset_id : landingPage,
    title: entry.title,
    description: entry.description,
    keyword: [...keywords],
    publisher:
      entry.publisher === undefined ? undefined : { '@type': 'org:Organization', name: entry.publisher },
    contactPoint: contact === undefined ? undefined : { '@type': 'vcard:Contact', ...contact },
    accessLevel: ACCESS_LEVEL[entry.sensitivity],
    rights: rightsStatement(input),
    license: spdxLicenseUrl(entry.license),
    landingPage,
    issued: versions[0]?.published_at,
    modified: versions.at(-1)?.published_at,
    spatial: spatialOf(input),
    temporal: temporalOf(input),
    distribution: versions.flatMap((v) => v.artifacts.map((a) => distribution(input, v, a))),
  });
}

/** data.json: the DCAT-US catalog of every dataset, sorted by identifier so the bytes are stable. */
export function renderDcatCatalog(datasets: readonly DcatDataset[]): Record<string, unknown> {
  return {
    '@context': DCAT_US_CONTEXT,
    '@type': 'dcat:Catalog',
    conformsTo: DCAT_US_CONFORMS_TO,
    describedBy: DCAT_US_DESCRIBED_BY,
    dataset: [...datasets].sort((a, b) =>
      a.identifier < b.identifier ? -1 : a.identifier > b.identifier ? 1 : 0,
    ),
  };
}
