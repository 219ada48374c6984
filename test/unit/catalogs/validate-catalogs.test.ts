import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  validateCatalogDocument,
  validateDcatCatalog,
  validateDcatDataset,
  validateProv,
  validateStacCollection,
  validateStacItem,
} from '../../../src/catalogs/validate-catalogs.js';

const vector = (path: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../../vectors/${path}`, import.meta.url), 'utf8'));

describe('the validators accept the official examples', () => {
  it.each(['catalog-sample.json', 'catalog-sample-extended.json'])('DCAT-US %s', (name) => {
    expect(validateDcatCatalog(vector(`dcat/${name}`))).toEqual({ valid: true, errors: [] });
  });

  it('every dataset of the DCAT-US example, one by one', () => {
    const datasets = vector('dcat/catalog-sample-extended.json').dataset as unknown[];
    for (const dataset of datasets) expect(validateDcatDataset(dataset).errors).toEqual([]);
  });

  it.each(['core-item.json', 'simple-item.json'])('STAC item %s', (name) => {
    expect(validateStacItem(vector(`stac/${name}`))).toEqual({ valid: true, errors: [] });
  });

  it('the STAC example collection (core schema)', () => {
    expect(validateStacCollection(vector('stac/collection.json'))).toEqual({ valid: true, errors: [] });
  });

  it.each(['bundle4.valid.json', 'generation7.valid.json'])('PROV-JSON %s', (name) => {
    expect(validateProv(vector(`prov/${name}`))).toEqual({ valid: true, errors: [] });
  });

  it('a root wasEndedBy, which the upstream schema typo rejected (local fix, see SOURCE.md)', () => {
    expect(validateProv(vector('prov/end8.schema-rejects-wasEndedBy.json')).valid).toBe(true);
  });
});

describe('the validators reject broken documents and say where', () => {
  it('DCAT: a dataset without its title', () => {
    const { title: _, ...dataset } = (
      vector('dcat/catalog-sample.json').dataset as Record<string, unknown>[]
    )[0]!;
    const result = validateDcatDataset(dataset);
    expect(result.valid).toBe(false);
    expect(result.errors).toContainEqual({ path: '/title', message: "must have required property 'title'" });
  });

  it('DCAT: a temporal joining a date to a date-time, named with its expected form, not a regex', () => {
    const dataset = {
      ...(vector('dcat/catalog-sample.json').dataset as Record<string, unknown>[])[0]!,
      temporal: '2015-01-01/2026-12-02T08:30:12.123Z',
      contactPoint: { '@type': 'vcard:Contact', fn: 'Jane Doe', hasEmail: 'jane@example.org' },
    };
    expect(validateDcatDataset(dataset).errors).toEqual([
      {
        path: '/contactPoint/hasEmail',
        message: 'must be a mailto: address, e.g. mailto:data@example.org',
      },
      {
        path: '/temporal',
        message:
          'must be an ISO 8601 interval whose two ends share one form, e.g. 2015-01-01/2024-12-31 or 2015-01-01T00:00:00Z/2024-12-31T23:59:59Z',
      },
    ]);
  });

  it('DCAT: a catalog whose dataset has an accessLevel outside the three values', () => {
    const catalog = vector('dcat/catalog-sample.json');
    (catalog.dataset as Record<string, unknown>[])[1]!.accessLevel = 'private';
    const result = validateDcatCatalog(catalog);
    expect(result.valid).toBe(false);
    expect(result.errors.map((e) => e.path)).toContain('/dataset/1/accessLevel');
  });

  it('STAC: an item whose bbox has three numbers', () => {
    const item = { ...vector('stac/simple-item.json'), bbox: [172.9, 1.3, 172.95] };
    const result = validateStacItem(item);
    expect(result.valid).toBe(false);
    expect(result.errors.map((e) => e.path)).toContain('/bbox');
  });

  it('STAC: a bbox with south above north, and a geometry outside the bbox', () => {
    const upsideDown = { ...vector('stac/simple-item.json'), bbox: [172.9, 1.4, 172.95, 1.3] };
    expect(validateStacItem(upsideDown).errors).toContainEqual({
      path: '/bbox',
      message: 'must have south <= north',
    });
    const shifted = { ...vector('stac/simple-item.json'), bbox: [0, 0, 1, 1] };
    expect(validateStacItem(shifted).errors).toContainEqual({
      path: '/geometry',
      message: 'must lie inside bbox',
    });
  });

  it('STAC: a collection without an extent', () => {
    const { extent: _, ...collection } = vector('stac/collection.json');
    expect(validateStacCollection(collection).errors).toContainEqual({
      path: '/extent',
      message: "must have required property 'extent'",
    });
  });

  it('STAC: a relative self link (STAC 1.1.0 requires it absolute)', () => {
    const item = vector('stac/simple-item.json');
    item.links = [{ rel: 'self', href: './simple-item.json' }];
    const result = validateStacItem(item);
    expect(result.valid).toBe(false);
    expect(result.errors.map((e) => e.path)).toContain('/links/0/href');
  });

  it('STAC: a file:checksum that is not lowercase hex, or undeclared', () => {
    const item = vector('stac/simple-item.json');
    const assets = item.assets as Record<string, Record<string, unknown>>;
    assets.visual!['file:checksum'] = `1220${'A'.repeat(64)}`;
    expect(validateStacItem(item).errors).toEqual([
      { path: '/assets/visual/file:checksum', message: 'must be a multihash in lowercase hex' },
      {
        path: '/stac_extensions',
        message: 'must list https://stac-extensions.github.io/file/v2.1.0/schema.json',
      },
    ]);
  });

  it('PROV: an unknown top-level key', () => {
    const doc = { ...vector('prov/generation7.valid.json'), derivedFrom: {} };
    const result = validateProv(doc);
    expect(result.valid).toBe(false);
    expect(result.errors).toContainEqual({
      path: '/derivedFrom',
      message: 'must NOT have additional properties',
    });
  });

  it('PROV: a relation without its required member', () => {
    const doc = { wasDerivedFrom: { '_:d1': { 'prov:usedEntity': 'ex:a' } } };
    expect(validateProv(doc).errors).toContainEqual({
      path: '/wasDerivedFrom/_:d1/prov:generatedEntity',
      message: "must have required property 'prov:generatedEntity'",
    });
  });

  it('validates the JSON that is written: NaN becomes null and fails', () => {
    const item = { ...vector('stac/simple-item.json'), bbox: [Number.NaN, 1.3, 172.95, 1.4] };
    expect(validateStacItem(item).errors.map((e) => e.path)).toContain('/bbox/0');
  });
});

describe('validateCatalogDocument', () => {
  it('dispatches on the kind and the document type', () => {
    expect(validateCatalogDocument('dcat', vector('dcat/catalog-sample.json')).valid).toBe(true);
    expect(validateCatalogDocument('stac', vector('stac/collection.json')).valid).toBe(true);
    expect(validateCatalogDocument('stac', vector('stac/core-item.json')).valid).toBe(true);
    expect(validateCatalogDocument('prov', vector('prov/bundle4.valid.json')).valid).toBe(true);
    expect(validateCatalogDocument('dcat', {}).valid).toBe(false);
  });
});

describe('the shipped schemas', () => {
  it.each(['dcat', 'stac', 'prov'])('are the copies %s/SOURCE.md names, byte for byte', (folder) => {
    const dir = new URL(`../../../src/catalogs/schemas/${folder}/`, import.meta.url);
    const rows = [
      ...readFileSync(new URL('SOURCE.md', dir), 'utf8').matchAll(
        /^\| ([\w.-]+\.json)\b.*\| ([0-9a-f]{64}) \|$/gm,
      ),
    ];
    expect(rows.length).toBeGreaterThan(0);
    for (const [, name, sha256] of rows) {
      expect(
        createHash('sha256')
          .update(readFileSync(new URL(name!, dir)))
          .digest('hex'),
        name,
      ).toBe(sha256);
    }
  });
});
