import { describe, expect, it } from 'vitest';
import {
  type DatasetEntry,
  missingForPromotion,
  parseDatasetEntry,
} from '../../../src/registry/dataset-entry.js';

const complete = {
  dataset_id: 'ks_sites',
  title: 'Sites',
  description: 'Synthetic sites.',
  publisher: 'Kansas Frontier Matrix (synthetic example)',
  contact_point: { fn: 'Stewards', hasEmail: 'mailto:stewards@example.org' },
  license: 'CC-BY-4.0',
  sensitivity: 'sensitive-location',
  policy_labels: ['cultural-resources', 'restricted-location'],
  spatial: true,
  upstream: {
    uri: 'file:connectors/ks_sites/fixtures/sites.geojson',
    rate_limit: 0.5,
    media_type: 'application/geo+json',
  },
  generalization: { precision_deg: 0.1 },
  keywords: ['archaeology'],
  temporal: { since: '2020-01-01', until: '2024-12-31T23:59:59Z' },
};

function problemsOf(value: unknown, fileId = 'ks_sites') {
  const result = parseDatasetEntry(value, fileId);
  if (result.ok) throw new Error('expected the entry to be refused');
  return result.problems;
}

function refusedAt(patch: Record<string, unknown>): string[] {
  return problemsOf({ ...complete, ...patch }).map((p) => p.field);
}

describe('parseDatasetEntry', () => {
  describe('when every field is present and valid', () => {
    it('returns the entry', () => {
      const result = parseDatasetEntry(complete, 'ks_sites');
      expect(result).toEqual({ ok: true, entry: complete });
    });

    it('accepts http(s), file:/// and project-relative file: upstreams', () => {
      for (const uri of [
        'https://example.org/a.csv?x=1',
        'http://127.0.0.1:8080/a',
        'file:///srv/a.csv',
        'file:a.csv',
      ]) {
        expect(parseDatasetEntry({ ...complete, upstream: { uri } }, 'ks_sites').ok).toBe(true);
      }
    });
  });

  describe('when only dataset_id is present', () => {
    it('accepts the entry: missing fields are the gate’s to deny, not the schema’s', () => {
      expect(parseDatasetEntry({ dataset_id: 'ks_sites' }, 'ks_sites')).toEqual({
        ok: true,
        entry: { dataset_id: 'ks_sites' },
      });
    });
  });

  describe('when a present field is invalid', () => {
    it.each([
      [{ dataset_id: 'Ks-Sites' }, 'dataset_id'],
      [{ title: '  ' }, 'title'],
      [{ description: 42 }, 'description'],
      [{ publisher: { name: 'x' } }, 'publisher'],
      [{ contact_point: { fn: 'x', hasEmail: 'x@example.org' } }, 'contact_point.hasEmail'],
      [{ contact_point: { fn: 'x' } }, 'contact_point.hasEmail'],
      [{ sensitivity: 'secret' }, 'sensitivity'],
      [{ policy_labels: 'open-data' }, 'policy_labels'],
      [{ policy_labels: ['ok', 'Not Lower'] }, 'policy_labels.1'],
      [{ policy_labels: ['a', 'a'] }, 'policy_labels'],
      [{ spatial: 'yes' }, 'spatial'],
      [{ upstream: 'https://example.org' }, 'upstream'],
      [{ upstream: { rate_limit: 1 } }, 'upstream.uri'],
      [{ upstream: { uri: 'ftp://example.org/a' } }, 'upstream.uri'],
      [{ upstream: { uri: 'example.org/a.csv' } }, 'upstream.uri'],
      [{ upstream: { uri: 'file:../secrets.csv' } }, 'upstream.uri'],
      [{ upstream: { uri: 'https://user:pw@example.org/a' } }, 'upstream.uri'],
      [{ upstream: { uri: 'file:a.csv', rate_limit: 0 } }, 'upstream.rate_limit'],
      [{ upstream: { uri: 'file:a.csv', media_type: 'csv' } }, 'upstream.media_type'],
      [{ generalization: { precision_deg: -0.1 } }, 'generalization.precision_deg'],
      [{ generalization: {} }, 'generalization.precision_deg'],
      [{ keywords: [''] }, 'keywords.0'],
      [{ temporal: { since: '2020-02-30' } }, 'temporal.since'],
      [{ temporal: { since: '2024-01-01', until: '2020-01-01' } }, 'temporal.until'],
      [{ license: null }, 'license'],
    ])('refuses %j at %s', (patch, field) => {
      expect(refusedAt(patch)).toContain(field);
    });

    it('names the value, the field and a fix', () => {
      const [problem] = problemsOf({ ...complete, upstream: { uri: 'file:a.csv', rate_limit: -2 } });
      expect(problem).toEqual({
        field: 'upstream.rate_limit',
        message: '-2 must be greater than 0',
        fix: expect.stringContaining('requests per second'),
      });
    });

    it('reports every problem of the file, not only the first', () => {
      expect(refusedAt({ sensitivity: 'secret', spatial: 1, license: 'nope' })).toEqual([
        'license',
        'sensitivity',
        'spatial',
      ]);
    });
  });

  describe('when a field is unknown', () => {
    it('refuses it and suggests the field that was meant', () => {
      const problems = problemsOf({ ...complete, licence: 'MIT' });
      expect(problems).toEqual([
        {
          field: 'licence',
          message: 'is not a registry field',
          fix: expect.stringContaining("did you mean 'license'"),
        },
      ]);
    });

    it('refuses unknown fields inside nested objects too', () => {
      expect(refusedAt({ upstream: { uri: 'file:a.csv', ratelimit: 2 } })).toEqual(['upstream.ratelimit']);
      expect(refusedAt({ generalization: { precision_deg: 0.1, method: 'snap' } })).toEqual([
        'generalization.method',
      ]);
    });
  });

  describe('license', () => {
    it('accepts current SPDX identifiers', () => {
      for (const license of ['MIT', 'Apache-2.0', 'CC0-1.0', 'CC-BY-4.0', 'GPL-3.0-or-later']) {
        expect(parseDatasetEntry({ dataset_id: 'ks_sites', license }, 'ks_sites').ok).toBe(true);
      }
    });

    it('refuses a non-SPDX name and suggests the identifier it resembles', () => {
      expect(problemsOf({ dataset_id: 'ks_sites', license: 'Apache2' })).toEqual([
        {
          field: 'license',
          message: "'Apache2' is not an SPDX identifier",
          fix: 'use one of https://spdx.org/licenses/ e.g. Apache-2.0',
        },
      ]);
    });

    it('refuses an identifier in the wrong case, naming the right spelling', () => {
      expect(problemsOf({ dataset_id: 'ks_sites', license: 'cc-by-4.0' })[0]?.fix).toBe('write CC-BY-4.0');
    });

    it.each([
      ['GPL-2.0', 'GPL-2.0-only or GPL-2.0-or-later'],
      ['LGPL-3.0', 'LGPL-3.0-only or LGPL-3.0-or-later'],
      ['StandardML-NJ', 'SMLNJ'],
      ['Net-SNMP', 'https://spdx.org/licenses/'],
    ])('refuses the deprecated %s and names its replacement', (license, replacement) => {
      const [problem] = problemsOf({ dataset_id: 'ks_sites', license });
      expect(problem?.message).toBe(`'${license}' is a deprecated SPDX identifier`);
      expect(problem?.fix).toContain(replacement);
    });
  });

  describe('dataset_id', () => {
    it('must equal the file name', () => {
      expect(problemsOf({ dataset_id: 'ks_other' }, 'ks_sites')).toEqual([
        {
          field: 'dataset_id',
          message: "'ks_other' does not match the file name ks_sites.yml",
          fix: 'rename the file to ks_other.yml, or write dataset_id: ks_sites',
        },
      ]);
    });

    it('is required, and the fix names the value to write', () => {
      expect(problemsOf({ title: 'x' })).toEqual([
        { field: 'dataset_id', message: 'is required', fix: expect.stringContaining('dataset_id: ks_sites') },
      ]);
    });
  });

  it('refuses a document that is not a mapping', () => {
    expect(problemsOf(['a'])[0]).toMatchObject({
      field: '',
      message: 'is not a mapping of field: value lines',
    });
    expect(problemsOf(null)[0]).toMatchObject({ field: '', message: 'is empty' });
  });
});

describe('the profile fields', () => {
  const profiled = {
    ...complete,
    restricted_fields: ['owner'],
    profile_tolerances: {
      row_count_change: 0.2,
      null_rate_increase: 0.05,
      columns: { site_type: { null_rate_increase: 0.5 } },
    },
    profile_version: 2,
    profile_explanation: 'two sites merged',
  };

  it('accepts tolerances for all columns and per column, a profile version and its explanation', () => {
    expect(parseDatasetEntry(profiled, 'ks_sites')).toEqual({ ok: true, entry: profiled });
  });

  it.each([
    [{ profile_tolerances: { row_count_change: -0.1 } }, 'profile_tolerances.row_count_change'],
    [{ profile_tolerances: { null_rate_increase: 1.5 } }, 'profile_tolerances.null_rate_increase'],
    [{ profile_tolerances: { rows: 0.1 } }, 'profile_tolerances.rows'],
    [{ profile_version: 0 }, 'profile_version'],
    [{ profile_version: 1.5 }, 'profile_version'],
    [{ profile_explanation: ' ' }, 'profile_explanation'],
  ])('refuses %j naming %s', (patch, field) => {
    expect(refusedAt(patch)).toEqual([field]);
  });
});

describe('missingForPromotion', () => {
  const codes = (entry: DatasetEntry) => missingForPromotion(entry).map((m) => `${m.code}:${m.field}`);

  it('lists nothing for a complete entry', () => {
    expect(missingForPromotion(complete as DatasetEntry)).toEqual([]);
  });

  it('lists every field the gate denies on when only dataset_id is given', () => {
    expect(codes({ dataset_id: 'ks_sites' })).toEqual([
      'LICENSE_MISSING:license',
      'SENSITIVITY_MISSING:sensitivity',
      'POLICY_LABELS_MISSING:policy_labels',
      'CATALOG_INVALID:title',
      'CATALOG_INVALID:description',
      'CATALOG_INVALID:publisher',
      'CATALOG_INVALID:contact_point',
      'CATALOG_INVALID:keywords',
    ]);
  });

  it('treats an empty policy label list as missing (fail closed)', () => {
    expect(codes({ ...(complete as DatasetEntry), policy_labels: [] })).toEqual([
      'POLICY_LABELS_MISSING:policy_labels',
    ]);
  });

  it('requires a generalization precision for sensitive-location only', () => {
    const { generalization: _, ...withoutPrecision } = complete as DatasetEntry;
    expect(codes(withoutPrecision)).toEqual(['REDACTION_REQUIRED:generalization']);
    expect(codes({ ...withoutPrecision, sensitivity: 'public' })).toEqual([]);
  });

  it('gives each item a message and a fix', () => {
    expect(missingForPromotion({ dataset_id: 'ks_sites' }).map((i) => [i.field, i.message, i.fix])).toEqual([
      ['license', 'no licence is declared', 'add license: <SPDX id>, e.g. CC-BY-4.0'],
      [
        'sensitivity',
        'no sensitivity class is declared',
        'add sensitivity: <public | restricted | sensitive-location | aggregate-only>',
      ],
      ['policy_labels', 'no policy labels are declared', 'add policy_labels: [<label>, …]'],
      [
        'title',
        'no title: the DCAT record needs dct:title',
        'write a short human title, e.g. title: Kansas Mesonet weather stations',
      ],
      [
        'description',
        'no description: the DCAT record needs dct:description',
        'write a sentence or two saying what the data is and where it comes from',
      ],
      [
        'publisher',
        'no publisher: the DCAT record needs dct:publisher',
        'write the publishing organisation, e.g. publisher: Kansas Frontier Matrix',
      ],
      [
        'contact_point',
        'no contact_point: the DCAT record needs dcat:contactPoint',
        'write contact_point: {fn: <name>, hasEmail: mailto:<address>}',
      ],
      [
        'keywords',
        'no keywords: the DCAT record needs dcat:keyword',
        'write a list of words, e.g. keywords: [weather, stations]',
      ],
    ]);
  });
});
