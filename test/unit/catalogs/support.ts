import type { CatalogEntry, CatalogInput, PublishedVersion } from '../../../src/catalogs/catalog-input.js';
import type { LedgerEvent } from '../../../src/projections/ledger-event.js';
import { H, ledgerEvents, started } from '../../support/ledger-events.js';

/** Catalog inputs shaped like the three example connectors' registry entries, plus a restricted one. */

const base = {
  publisher: 'Kansas Frontier Matrix (synthetic example)',
  contact_point: { fn: 'KFM data stewards', hasEmail: 'mailto:data-stewards@example.org' },
};

export const ENTRIES = {
  stations: {
    ...base,
    title: 'Kansas Mesonet weather stations (synthetic example)',
    description: 'Locations of automated weather stations in a Kansas mesonet, as GeoJSON points.',
    license: 'CC-BY-4.0',
    sensitivity: 'public',
    policy_labels: ['open-data'],
    spatial: true,
    keywords: ['weather', 'mesonet', 'kansas'],
  },
  population: {
    ...base,
    title: 'Kansas county population by year (synthetic example)',
    description: 'Annual population estimates for Kansas counties, one CSV row per county and year.',
    license: 'CC0-1.0',
    sensitivity: 'public',
    policy_labels: ['open-data'],
    spatial: false,
    keywords: ['population', 'kansas'],
    temporal: { since: '2010-01-01', until: '2024-12-31' },
  },
  permits: {
    title: 'Kansas well permits (synthetic example)',
    description: 'Water well permits with owner names, served only to authorised callers.',
    publisher: 'Kansas Frontier Matrix (synthetic example)',
    license: 'CC-BY-NC-4.0',
    sensitivity: 'restricted',
    policy_labels: ['personal-data', 'restricted-access'],
    spatial: true,
  },
  sites: {
    ...base,
    title: 'Kansas archaeological sites, generalized (synthetic example)',
    description: 'Recorded archaeological sites, published only on a 0.1 degree grid.',
    license: 'CC-BY-4.0',
    sensitivity: 'sensitive-location',
    policy_labels: ['cultural-resources', 'restricted-location'],
    spatial: true,
    generalization: { precision_deg: 0.1 },
    keywords: ['archaeology', 'kansas'],
    temporal: { since: '1950-01-01T00:00:00-06:00' },
  },
} satisfies Record<string, CatalogEntry>;

export function version(n: number, name: string, bbox?: PublishedVersion['bbox']): PublishedVersion {
  const digit = '0123456789abcdef'[n]!;
  return {
    version_id: `v${digit.repeat(16)}`,
    content_hash: H(digit),
    run_id: `01JRUN${String(n).padStart(20, '0')}`,
    published_at: `2026-11-0${n}T12:00:00.000Z`,
    supersedes: n === 1 ? null : `v${'0123456789abcdef'[n - 1]!.repeat(16)}`,
    artifacts: [
      {
        path: name,
        sha256: H(String(n)),
        bytes: 1000 + n,
        media_type: name.endsWith('.csv') ? 'text/csv' : 'application/geo+json',
      },
    ],
    ...(bbox === undefined ? {} : { bbox }),
  };
}

export const INPUTS: Record<keyof typeof ENTRIES, CatalogInput> = {
  stations: {
    dataset_id: 'ks_mesonet_stations',
    entry: ENTRIES.stations,
    versions: [
      version(1, 'stations.geojson', [-101.5, 37.1, -95.2, 39.9]),
      version(2, 'stations.geojson', [-101.6, 37.0, -95.2, 39.9]),
    ],
  },
  population: {
    dataset_id: 'ks_county_population',
    entry: ENTRIES.population,
    versions: [version(1, 'county_population.csv')],
  },
  permits: {
    dataset_id: 'ks_well_permits',
    entry: ENTRIES.permits,
    versions: [version(1, 'permits.geojson', [-99.0, 38.0, -98.0, 38.5])],
    base_url: 'https://kfm.example.org/api/',
  },
  sites: {
    dataset_id: 'ks_archaeological_sites',
    entry: ENTRIES.sites,
    versions: [version(1, 'sites.geojson', [-99.1, 37.5, -96.3, 39.2])],
  },
};

export const RUN = '01JARCHAEO0000000000000001';
const DS = 'ks_archaeological_sites';
const RAW = 'c1/sites.geojson';
const WORK = `runs/${RUN}/artifacts/sites.geojson`;

/** A whole run of the sensitive-location connector: ingest, generalizing transform, validate, promote. */
export function archaeologyRun(after: 'published' | 'completed' = 'completed'): LedgerEvent[] {
  const drafts: [string, string, Record<string, unknown>][] = [
    [RUN, 'run.started', started('ingest')],
    [
      RUN,
      'raw.captured',
      {
        capture_id: 'c1',
        path: RAW,
        sha256: H('1'),
        bytes: 900,
        source_uri: 'file:connectors/ks_archaeological_sites/fixtures/sites.geojson',
      },
    ],
    [RUN, 'run.completed', { status: 'succeeded' }],
    [RUN, 'run.started', started('transform')],
    [RUN, 'work.artifact.written', { path: WORK, sha256: H('2'), bytes: 850, derived_from: [RAW] }],
    [
      RUN,
      'transform.applied',
      {
        name: 'generalize_geometry',
        params: { precision_deg: 0.1, method: 'snap_to_grid' },
        inputs: [RAW],
        outputs: [WORK],
        summary: { features: 3, features_changed: 3, precision_deg: 0.1 },
      },
    ],
    [RUN, 'run.completed', { status: 'succeeded' }],
    [RUN, 'run.started', started('validate')],
    [RUN, 'validation.reported', { passed: true, checks: [{ name: 'geometry', passed: true }] }],
    [RUN, 'run.completed', { status: 'succeeded' }],
    [RUN, 'run.started', started('promote')],
    [
      RUN,
      'version.published',
      {
        version_id: 'v1111111111111111',
        content_hash: H('c'),
        artifacts: [{ path: 'sites.geojson', sha256: H('2'), bytes: 850 }],
        supersedes: null,
        registry: { dataset_id: DS, ...ENTRIES.sites },
        bbox: [-99.1, 37.5, -96.3, 39.2],
      },
    ],
  ];
  if (after === 'completed') {
    drafts.push(
      [RUN, 'catalog.emitted', { kind: 'prov', path: `prov/${DS}/run_${RUN}.json`, sha256: H('d') }],
      [RUN, 'run.completed', { status: 'succeeded' }],
    );
  }
  return ledgerEvents(DS, drafts);
}

export const ARCHAEOLOGY = { DS, RAW, WORK };
