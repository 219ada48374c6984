import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { projectCatalogInput } from '../../../src/catalogs/catalog-input.js';
import { ACCESS_LEVEL, renderDcatCatalog, renderDcatDataset } from '../../../src/catalogs/dcat.js';
import { validateDcatCatalog, validateDcatDataset } from '../../../src/catalogs/validate-catalogs.js';
import { renderReceipt } from '../../../src/projections/render-receipt.js';
import { canonicalPretty } from '../../support/canonical-pretty.js';
import { archaeologyRun, INPUTS, version } from './support.js';

const SPDX = 'http://spdx.org/rdf/terms#';

describe('renderDcatDataset', () => {
  it.each(Object.keys(INPUTS) as (keyof typeof INPUTS)[])(
    'renders a schema-valid DCAT-US dataset (%s)',
    (name) => {
      expect(validateDcatDataset(renderDcatDataset(INPUTS[name]))).toEqual({ valid: true, errors: [] });
    },
  );

  it('maps each sensitivity to its access level, with rights wherever access is not public', () => {
    const levels = Object.fromEntries(
      Object.values(INPUTS).map((input) => {
        const dataset = renderDcatDataset(input);
        return [input.entry.sensitivity, [dataset.accessLevel, typeof dataset.rights]];
      }),
    );
    expect(levels).toEqual({
      public: ['public', 'undefined'],
      restricted: ['restricted public', 'string'],
      'sensitive-location': ['restricted public', 'string'],
    });
    expect(ACCESS_LEVEL['aggregate-only']).toBe('restricted public');
    const aggregate = {
      ...INPUTS.population,
      entry: { ...INPUTS.population.entry, sensitivity: 'aggregate-only' as const },
    };
    expect(renderDcatDataset(aggregate).rights).toMatch(/only aggregated values/);
    expect(validateDcatDataset(renderDcatDataset(aggregate)).valid).toBe(true);
  });

  it('says how to request access to a restricted dataset: the token roles and whom to ask', () => {
    expect(renderDcatDataset(INPUTS.permits).rights).toBe(
      'Restricted: the governed API serves it only with a bearer token holding one of the roles personal-data, restricted-access. Request access from Kansas Frontier Matrix (synthetic example).',
    );
    const contact = { fn: 'KFM data stewards', hasEmail: 'mailto:data-stewards@example.org' };
    const withContact = { ...INPUTS.permits, entry: { ...INPUTS.permits.entry, contact_point: contact } };
    expect(renderDcatDataset(withContact).rights).toMatch(
      /Request access from KFM data stewards \(data-stewards@example\.org\)\.$/,
    );
    const manyLabels = Array.from({ length: 30 }, (_, i) => `role-number-${i}`);
    const long = { ...withContact, entry: { ...withContact.entry, policy_labels: manyLabels } };
    const rights = renderDcatDataset(long).rights as string;
    expect(rights.length).toBeLessThanOrEqual(255);
    expect(rights).toContain('Request access from KFM data stewards');
    expect(validateDcatDataset(renderDcatDataset(long)).errors).toEqual([]);
  });

  it('says the generalization precision in the rights of a sensitive-location dataset', () => {
    expect(renderDcatDataset(INPUTS.sites).rights).toContain('0.1° grid');
  });

  it('has one distribution per published version with URL, media type and sha256', () => {
    const dataset = renderDcatDataset(INPUTS.stations);
    const distributions = dataset.distribution as Record<string, unknown>[];
    expect(distributions.map((d) => d.downloadURL)).toEqual([
      'http://127.0.0.1:8080/datasets/ks_mesonet_stations/versions/v1111111111111111/artifacts/stations.geojson',
      'http://127.0.0.1:8080/datasets/ks_mesonet_stations/versions/v2222222222222222/artifacts/stations.geojson',
    ]);
    expect(distributions[1]).toMatchObject({
      '@type': 'dcat:Distribution',
      mediaType: 'application/geo+json',
      format: 'GeoJSON',
      [`${SPDX}checksum`]: {
        [`${SPDX}algorithm`]: { '@id': `${SPDX}checksumAlgorithm_sha256` },
        [`${SPDX}checksumValue`]: '2'.repeat(64),
      },
    });
    expect(distributions[1]!.description).toContain(`sha256:${'2'.repeat(64)}`);
    expect(distributions[1]!.description).toContain('supersedes v1111111111111111');
  });

  it("names each distribution's format, and its data dictionary when the connector declared one", () => {
    const dictionary = {
      url: 'https://kfm.example.org/dictionaries/population.json',
      media_type: 'application/schema+json',
    };
    const [first, second] = [version(1, 'county_population.csv'), version(2, 'county_population.csv')];
    const dataset = renderDcatDataset({
      ...INPUTS.population,
      versions: [first!, { ...second!, data_dictionary: dictionary }],
    });
    const distributions = dataset.distribution as Record<string, unknown>[];
    expect(distributions.map((d) => [d.format, d.describedBy, d.describedByType])).toEqual([
      ['CSV', undefined, undefined],
      ['CSV', dictionary.url, 'application/schema+json'],
    ]);
    // Undeclared means absent, not null: the rendered JSON is exactly what is written.
    expect(Object.keys(distributions[0]!)).not.toContain('describedBy');
    expect(validateDcatDataset(dataset)).toEqual({ valid: true, errors: [] });
    // A file type kfm has no name for gets no format rather than a guess.
    const odd = renderDcatDataset({
      ...INPUTS.population,
      versions: [{ ...first!, artifacts: [{ ...first!.artifacts[0]!, path: 'data.bin' }] }],
    });
    expect(Object.keys((odd.distribution as object[])[0]!)).not.toContain('format');
  });

  it('takes issued and modified from the first and last publication events', () => {
    expect(renderDcatDataset(INPUTS.stations)).toMatchObject({
      issued: '2026-11-01T12:00:00.000Z',
      modified: '2026-11-02T12:00:00.000Z',
      license: 'https://spdx.org/licenses/CC-BY-4.0.html',
      spatial: '-101.6,37,-95.2,39.9',
    });
    expect(renderDcatDataset(INPUTS.population).temporal).toBe('2010-01-01/2024-12-31');
    // An open-ended registry temporal ends at the latest publication.
    expect(renderDcatDataset(INPUTS.sites).temporal).toBe(
      '1950-01-01T00:00:00-06:00/2026-11-01T12:00:00.000Z',
    );
  });

  it('defaults contactPoint to the publisher and keyword to the policy labels', () => {
    const dataset = renderDcatDataset(INPUTS.permits);
    expect(dataset.contactPoint).toEqual({
      '@type': 'vcard:Contact',
      fn: 'Kansas Frontier Matrix (synthetic example)',
    });
    expect(dataset.keyword).toEqual(['personal-data', 'restricted-access']);
    expect(dataset.landingPage).toBe('https://kfm.example.org/api/datasets/ks_well_permits');
  });

  it('leaves out a fact the registry lacks, so validation fails closed', () => {
    const { title: _, ...entry } = INPUTS.stations.entry;
    const result = validateDcatDataset(renderDcatDataset({ ...INPUTS.stations, entry }));
    expect(result.valid).toBe(false);
    expect(result.errors).toContainEqual({ path: '/title', message: "must have required property 'title'" });
  });

  it('renders exactly the bytes written out by hand: keys sorted, nothing taken from a clock', () => {
    const sha = '1'.repeat(64);
    const spdx = (term: string) => `${SPDX}${term}`;
    const expected = {
      '@type': 'dcat:Dataset',
      identifier: 'ks_archaeological_sites',
      title: 'Kansas archaeological sites, generalized (synthetic example)',
      description: 'Recorded archaeological sites, published only on a 0.1 degree grid.',
      accessLevel: 'restricted public',
      rights:
        'Sensitive locations: every published coordinate is generalized to a 0.1° grid to protect the sites; exact locations are never published.',
      contactPoint: {
        '@type': 'vcard:Contact',
        fn: 'KFM data stewards',
        hasEmail: 'mailto:data-stewards@example.org',
      },
      publisher: { '@type': 'org:Organization', name: 'Kansas Frontier Matrix (synthetic example)' },
      keyword: ['archaeology', 'kansas'],
      license: 'https://spdx.org/licenses/CC-BY-4.0.html',
      landingPage: 'http://127.0.0.1:8080/datasets/ks_archaeological_sites',
      issued: '2026-11-01T12:00:00.000Z',
      modified: '2026-11-01T12:00:00.000Z',
      spatial: '-99.1,37.5,-96.3,39.2',
      temporal: '1950-01-01T00:00:00-06:00/2026-11-01T12:00:00.000Z',
      distribution: [
        {
          '@type': 'dcat:Distribution',
          title: 'sites.geojson (v1111111111111111)',
          description: `Version v1111111111111111 (content_hash ${sha}), published 2026-11-01T12:00:00.000Z by run 01JRUN00000000000000000001. 1001 bytes, sha256:${sha}.`,
          downloadURL:
            'http://127.0.0.1:8080/datasets/ks_archaeological_sites/versions/v1111111111111111/artifacts/sites.geojson',
          mediaType: 'application/geo+json',
          format: 'GeoJSON',
          [spdx('checksum')]: {
            '@type': spdx('Checksum'),
            [spdx('algorithm')]: { '@id': spdx('checksumAlgorithm_sha256') },
            [spdx('checksumValue')]: sha,
          },
        },
      ],
    };
    expect(renderReceipt(renderDcatDataset(INPUTS.sites))).toBe(canonicalPretty(JSON.stringify(expected)));
  });
});

describe('DCAT temporal of a registry temporal', () => {
  const temporalOf = (
    temporal: { since: string; until?: string },
    published_at = '2026-12-02T08:30:12.123Z',
  ) =>
    renderDcatDataset({
      ...INPUTS.population,
      entry: { ...INPUTS.population.entry, temporal },
      versions: [{ ...version(1, 'county_population.csv'), published_at }],
    }).temporal;

  it('ends an open date interval at the UTC day of the latest publication, not a date-time', () => {
    expect(temporalOf({ since: '2015-01-01' })).toBe('2015-01-01/2026-12-02');
    // A since after the publication never makes the interval run backwards.
    expect(temporalOf({ since: '2027-06-01' })).toBe('2027-06-01/2027-06-01');
    expect(temporalOf({ since: '2027-06-01T00:00:00Z' })).toBe('2027-06-01T00:00:00Z/2027-06-01T00:00:00Z');
  });

  it('ends an open interval at the latest instant the published records cover, when known', () => {
    const spanned = (spans: { start: string; end: string }[], temporal?: { since: string }) =>
      renderDcatDataset({
        ...INPUTS.population,
        entry: { ...INPUTS.population.entry, temporal },
        versions: spans.map((time_span, i) => ({ ...version(i + 1, 'county_population.csv'), time_span })),
      }).temporal;
    const spans = [
      { start: '2015-01-01T00:00:00.000Z', end: '2020-12-31T00:00:00.000Z' },
      { start: '2021-01-01T00:00:00.000Z', end: '2024-06-30T00:00:00.000Z' },
    ];
    expect(spanned(spans, { since: '2015-01-01' })).toBe('2015-01-01/2024-06-30');
    expect(spanned(spans, { since: '2015-01-01T00:00:00Z' })).toBe(
      '2015-01-01T00:00:00Z/2024-06-30T00:00:00.000Z',
    );
    // Without a registry temporal, the records' own span (of every version) is the interval.
    expect(spanned(spans)).toBe('2015-01-01T00:00:00.000Z/2024-06-30T00:00:00.000Z');
    expect(spanned([])).toBeUndefined();
  });

  it('writes both ends as date-times when either is one', () => {
    expect(temporalOf({ since: '2015-01-01', until: '2024-06-30T12:00:00Z' })).toBe(
      '2015-01-01T00:00:00Z/2024-06-30T12:00:00Z',
    );
    expect(temporalOf({ since: '2015-01-01T06:00:00-06:00', until: '2024-06-30' })).toBe(
      '2015-01-01T06:00:00-06:00/2024-06-30T23:59:59Z',
    );
  });

  it('validates for every mix of dates, date-times and an open end', () => {
    const day = fc.date({
      min: new Date('1900-01-01T00:00:00Z'),
      max: new Date('2099-12-31T00:00:00Z'),
      noInvalidDate: true,
    });
    const instant = fc.oneof(
      day.map((d) => d.toISOString().slice(0, 10)),
      day.map((d) => d.toISOString()),
      day.map((d) => `${d.toISOString().slice(0, 19)}+02:00`),
    );
    fc.assert(
      fc.property(instant, fc.option(instant, { nil: undefined }), day, (since, until, published) => {
        const temporal = until === undefined ? { since } : { since, until };
        const dataset = renderDcatDataset({
          ...INPUTS.population,
          entry: { ...INPUTS.population.entry, temporal },
          versions: [{ ...version(1, 'county_population.csv'), published_at: published.toISOString() }],
        });
        expect(validateDcatDataset(dataset).errors).toEqual([]);
      }),
    );
  });
});

describe('renderDcatCatalog', () => {
  it('lists every dataset sorted by identifier and validates as data.json', () => {
    const catalog = renderDcatCatalog(Object.values(INPUTS).map(renderDcatDataset));
    expect(validateDcatCatalog(catalog)).toEqual({ valid: true, errors: [] });
    // permits has a base URL, so its identifier is a URI (and sorts first).
    expect((catalog.dataset as { identifier: string }[]).map((d) => d.identifier)).toEqual([
      'https://kfm.example.org/api/datasets/ks_well_permits',
      'ks_archaeological_sites',
      'ks_county_population',
      'ks_mesonet_stations',
    ]);
    expect(catalog).toMatchObject({
      '@context': 'https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld',
      '@type': 'dcat:Catalog',
      conformsTo: 'https://project-open-data.cio.gov/v1.1/schema',
    });
  });
});

describe('projectCatalogInput', () => {
  it('builds the input from version.published events alone', () => {
    const input = projectCatalogInput(archaeologyRun());
    expect(input).toMatchObject({
      dataset_id: 'ks_archaeological_sites',
      entry: { sensitivity: 'sensitive-location', license: 'CC-BY-4.0' },
      versions: [
        {
          version_id: 'v1111111111111111',
          supersedes: null,
          bbox: [-99.1, 37.5, -96.3, 39.2],
          artifacts: [{ path: 'sites.geojson', media_type: 'application/geo+json', bytes: 850 }],
        },
      ],
    });
    expect(validateDcatDataset(renderDcatDataset(input!)).valid).toBe(true);
    expect(projectCatalogInput([])).toBeNull();
  });

  it('takes the base URL the newest version was published with, and then names the dataset by URI', () => {
    const events = archaeologyRun().map((e) =>
      e.type === 'version.published'
        ? { ...e, payload: { ...(e.payload as object), base_url: 'https://data.example.org/kfm' } }
        : e,
    );
    const input = projectCatalogInput(events)!;
    expect(input.base_url).toBe('https://data.example.org/kfm');
    const dataset = renderDcatDataset(input);
    expect(dataset).toMatchObject({
      identifier: 'https://data.example.org/kfm/datasets/ks_archaeological_sites',
      landingPage: 'https://data.example.org/kfm/datasets/ks_archaeological_sites',
    });
    expect((dataset.distribution as { downloadURL: string }[])[0]!.downloadURL).toBe(
      'https://data.example.org/kfm/datasets/ks_archaeological_sites/versions/v1111111111111111/artifacts/sites.geojson',
    );
    expect(validateDcatDataset(dataset).errors).toEqual([]);
    // Without one, the identifier stays the bare id, so catalogs published before do not change.
    expect(renderDcatDataset(projectCatalogInput(archaeologyRun())!).identifier).toBe(
      'ks_archaeological_sites',
    );
  });
});
