import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Bbox, CatalogInput } from '../../../src/catalogs/catalog-input.js';
import { bboxGeometry, geoExtent, unionBbox } from '../../../src/catalogs/geo-extent.js';
import { renderStacCollection, renderStacItem, stacItemPath } from '../../../src/catalogs/stac.js';
import { validateStacCollection, validateStacItem } from '../../../src/catalogs/validate-catalogs.js';
import { generalizeGeometry } from '../../../src/policy/generalize-geometry.js';
import { renderReceipt } from '../../../src/projections/render-receipt.js';
import { canonicalPretty } from '../../support/canonical-pretty.js';
import { INPUTS } from './support.js';

const SPATIAL = ['stations', 'permits', 'sites'] as const;

function render(input: CatalogInput) {
  const bbox = unionBbox(input.versions.map((v) => v.bbox!))!;
  return {
    collection: renderStacCollection(input, bbox),
    items: input.versions.map((v) =>
      renderStacItem(input, v, { bbox: v.bbox!, geometry: bboxGeometry(v.bbox!) }),
    ),
  };
}

describe('renderStacCollection and renderStacItem', () => {
  it.each(SPATIAL)('render schema-valid STAC 1.1.0 (%s)', (name) => {
    const { collection, items } = render(INPUTS[name]);
    expect(validateStacCollection(collection)).toEqual({ valid: true, errors: [] });
    for (const item of items) expect(validateStacItem(item)).toEqual({ valid: true, errors: [] });
  });

  it('puts the artifact URL, media type, role and multihash checksum in each asset', () => {
    const [, item] = render(INPUTS.stations).items;
    expect(item!.stac_extensions).toEqual(['https://stac-extensions.github.io/file/v2.1.0/schema.json']);
    expect(item!.assets).toEqual({
      'stations.geojson': {
        href: 'http://127.0.0.1:8080/datasets/ks_mesonet_stations/versions/v2222222222222222/artifacts/stations.geojson',
        type: 'application/geo+json',
        title: 'stations.geojson',
        roles: ['data'],
        'file:checksum': `1220${'2'.repeat(64)}`,
        'file:size': 1002,
      },
    });
  });

  it('links relatively inside the catalog, to itself where the API serves it, and to the predecessor version', () => {
    const { collection, items } = render(INPUTS.stations);
    const rels = (doc: Record<string, unknown>) =>
      (doc.links as { rel: string; href: string }[]).map((l) => `${l.rel} ${l.href}`);
    const api = 'http://127.0.0.1:8080/datasets/ks_mesonet_stations/stac';
    expect(rels(collection)).toEqual([
      `self ${api}/collection.json`,
      'root ./collection.json',
      `item ./${stacItemPath('ks_mesonet_stations', 'v1111111111111111')}`,
      `item ./${stacItemPath('ks_mesonet_stations', 'v2222222222222222')}`,
      'license https://spdx.org/licenses/CC-BY-4.0.html',
    ]);
    expect(rels(items[1]!)).toEqual([
      `self ${api}/items/v2222222222222222/ks_mesonet_stations-v2222222222222222.json`,
      'root ../../collection.json',
      'parent ../../collection.json',
      'collection ../../collection.json',
      'predecessor-version ../../items/v1111111111111111/ks_mesonet_stations-v1111111111111111.json',
      'license https://spdx.org/licenses/CC-BY-4.0.html',
    ]);
    expect(items[1]!.collection).toBe('ks_mesonet_stations');
    // Each relative link, resolved against the document's own (self) URL, is the API URL of its target.
    const self = (doc: Record<string, unknown>) => (doc.links as { rel: string; href: string }[])[0]!.href;
    const item = (items[1]!.links as { rel: string; href: string }[]).find(
      (l) => l.rel === 'predecessor-version',
    )!;
    expect(new URL(item.href, self(items[1]!)).href).toBe(self(items[0]!));
    const up = (items[1]!.links as { rel: string; href: string }[]).find((l) => l.rel === 'collection')!;
    expect(new URL(up.href, self(items[1]!)).href).toBe(self(collection));
    // Under the base URL the dataset was published with.
    const permits = render(INPUTS.permits).collection;
    expect(self(permits)).toBe('https://kfm.example.org/api/datasets/ks_well_permits/stac/collection.json');
  });

  it('links a superseded item to its successor and to the latest version (RFC 5829)', () => {
    const { items } = render(INPUTS.stations);
    const versionRels = (doc: Record<string, unknown>) =>
      (doc.links as { rel: string; href: string }[])
        .filter((l) => l.rel.endsWith('-version'))
        .map((l) => `${l.rel} ${l.href}`);
    const v2 = `../../${stacItemPath('ks_mesonet_stations', 'v2222222222222222')}`;
    expect(versionRels(items[0]!)).toEqual([`successor-version ${v2}`, `latest-version ${v2}`]);
    expect(versionRels(items[1]!).filter((l) => !l.startsWith('predecessor'))).toEqual([]);
  });

  it('states the registry temporal range in UTC, or the publication time when there is none', () => {
    const { collection, items } = render(INPUTS.sites);
    expect(collection.extent).toMatchObject({ temporal: { interval: [['1950-01-01T06:00:00.000Z', null]] } });
    expect(items[0]!.properties).toMatchObject({
      datetime: null,
      start_datetime: '1950-01-01T06:00:00.000Z',
      end_datetime: '2026-11-01T12:00:00.000Z',
    });
    expect(render(INPUTS.stations).items[0]!.properties).toMatchObject({
      datetime: '2026-11-01T12:00:00.000Z',
    });
  });

  it("dates an item by the instants its records cover, before the registry's range or the publication", () => {
    const span = { start: '1987-05-01T00:00:00.000Z', end: '2003-09-30T00:00:00.000Z' };
    const first = INPUTS.sites.versions[0]!;
    const spanned: CatalogInput = { ...INPUTS.sites, versions: [{ ...first, time_span: span }] };
    const { collection, items } = render(spanned);
    expect(items[0]!.properties).toMatchObject({
      datetime: null,
      start_datetime: span.start,
      end_datetime: span.end,
      created: first.published_at,
    });
    expect(validateStacItem(items[0]!)).toEqual({ valid: true, errors: [] });
    // The registry's temporal still bounds the collection.
    expect(collection.extent).toMatchObject({ temporal: { interval: [['1950-01-01T06:00:00.000Z', null]] } });
    // Records all at one instant: a single datetime, no range.
    const instant = { start: span.start, end: span.start };
    const single = render({ ...INPUTS.sites, versions: [{ ...first, time_span: instant }] }).items[0]!;
    expect(single.properties).toMatchObject({ datetime: span.start });
    expect(Object.keys(single.properties as object)).not.toContain('start_datetime');
  });

  it('starts the collection at the earliest record of any version when the registry has no temporal', () => {
    const [v1, v2] = INPUTS.stations.versions;
    const input: CatalogInput = {
      ...INPUTS.stations,
      versions: [
        { ...v1!, time_span: { start: '2001-01-01T00:00:00.000Z', end: '2001-12-31T00:00:00.000Z' } },
        { ...v2!, time_span: { start: '1999-03-01T00:00:00.000Z', end: '2002-12-31T00:00:00.000Z' } },
      ],
    };
    const { collection } = render(input);
    expect(collection.extent).toMatchObject({ temporal: { interval: [['1999-03-01T00:00:00.000Z', null]] } });
    expect(validateStacCollection(collection)).toEqual({ valid: true, errors: [] });
  });

  it('fails closed when the registry gives no description', () => {
    const { description: _, ...entry } = INPUTS.stations.entry;
    const result = validateStacCollection(render({ ...INPUTS.stations, entry }).collection);
    expect(result.errors).toContainEqual({
      path: '/description',
      message: "must have required property 'description'",
    });
  });

  it('renders exactly the bytes written out by hand: keys sorted, nothing taken from a clock', () => {
    const title = 'Kansas archaeological sites, generalized (synthetic example)';
    const api = 'http://127.0.0.1:8080/datasets/ks_archaeological_sites';
    const item = 'ks_archaeological_sites-v1111111111111111';
    const license = { rel: 'license', href: 'https://spdx.org/licenses/CC-BY-4.0.html', type: 'text/html' };
    const collection = {
      type: 'Collection',
      stac_version: '1.1.0',
      id: 'ks_archaeological_sites',
      title,
      description: 'Recorded archaeological sites, published only on a 0.1 degree grid.',
      keywords: ['archaeology', 'kansas'],
      license: 'CC-BY-4.0',
      providers: [{ name: 'Kansas Frontier Matrix (synthetic example)', roles: ['licensor', 'host'] }],
      extent: {
        spatial: { bbox: [[-99.1, 37.5, -96.3, 39.2]] },
        // The registry's 1950-01-01T00:00:00-06:00 in UTC, open-ended.
        temporal: { interval: [['1950-01-01T06:00:00.000Z', null]] },
      },
      links: [
        { rel: 'self', href: `${api}/stac/collection.json`, type: 'application/json' },
        { rel: 'root', href: './collection.json', title, type: 'application/json' },
        {
          rel: 'item',
          href: `./items/v1111111111111111/${item}.json`,
          title: 'v1111111111111111',
          type: 'application/geo+json',
        },
        license,
      ],
    };
    const collectionLink = (rel: string) => ({
      rel,
      href: '../../collection.json',
      title,
      type: 'application/json',
    });
    const items = [
      {
        type: 'Feature',
        stac_version: '1.1.0',
        stac_extensions: ['https://stac-extensions.github.io/file/v2.1.0/schema.json'],
        id: item,
        collection: 'ks_archaeological_sites',
        bbox: [-99.1, 37.5, -96.3, 39.2],
        geometry: {
          type: 'Polygon',
          coordinates: [
            [
              [-99.1, 37.5],
              [-96.3, 37.5],
              [-96.3, 39.2],
              [-99.1, 39.2],
              [-99.1, 37.5],
            ],
          ],
        },
        properties: {
          title: `${title} (v1111111111111111)`,
          datetime: null,
          start_datetime: '1950-01-01T06:00:00.000Z',
          end_datetime: '2026-11-01T12:00:00.000Z',
          created: '2026-11-01T12:00:00.000Z',
          license: 'CC-BY-4.0',
          'kfm:version_id': 'v1111111111111111',
          'kfm:content_hash': '1'.repeat(64),
          'kfm:run_id': '01JRUN00000000000000000001',
          'kfm:sensitivity': 'sensitive-location',
        },
        assets: {
          'sites.geojson': {
            href: `${api}/versions/v1111111111111111/artifacts/sites.geojson`,
            title: 'sites.geojson',
            type: 'application/geo+json',
            roles: ['data'],
            // A multihash: 0x12 sha2-256, 0x20 bytes long, then the digest.
            'file:checksum': `1220${'1'.repeat(64)}`,
            'file:size': 1001,
          },
        },
        links: [
          {
            rel: 'self',
            href: `${api}/stac/items/v1111111111111111/${item}.json`,
            type: 'application/geo+json',
          },
          collectionLink('root'),
          collectionLink('parent'),
          collectionLink('collection'),
          license,
        ],
      },
    ];
    const rendered = render(INPUTS.sites);
    expect(renderReceipt(rendered.collection)).toBe(canonicalPretty(JSON.stringify(collection)));
    expect(renderReceipt(rendered.items)).toBe(canonicalPretty(JSON.stringify(items)));
  });
});

const lon = fc.double({ min: -180, max: 180, noNaN: true });
const lat = fc.double({ min: -90, max: 90, noNaN: true });
const position = fc.tuple(lon, lat);
const point = position.map((coordinates) => ({ type: 'Point', coordinates }));
const line = fc
  .array(position, { minLength: 2, maxLength: 5 })
  .map((coordinates) => ({ type: 'LineString', coordinates }));
const multi = fc
  .array(position, { minLength: 1, maxLength: 5 })
  .map((coordinates) => ({ type: 'MultiPoint', coordinates }));
const geometry = fc.oneof(point, line, multi);
const collection = fc.array(geometry, { minLength: 1, maxLength: 8 }).map((gs) => ({
  type: 'FeatureCollection',
  features: gs.map((g) => ({ type: 'Feature', properties: {}, geometry: g })),
}));

function positions(node: unknown): number[][] {
  if (!Array.isArray(node)) {
    const g = node as { features?: unknown[]; geometry?: unknown; coordinates?: unknown };
    if (g.features) return g.features.flatMap(positions);
    if (g.geometry) return positions(g.geometry);
    return positions(g.coordinates);
  }
  return typeof node[0] === 'number' ? [node as number[]] : node.flatMap(positions);
}

describe('geoExtent', () => {
  it('gives the tightest bbox containing every published coordinate (property)', () => {
    fc.assert(
      fc.property(fc.array(collection, { minLength: 1, maxLength: 3 }), (collections) => {
        const extent = geoExtent(collections)!;
        const [w, s, e, n] = extent.bbox;
        const all = collections.flatMap(positions);
        for (const [x, y] of all) expect(x! >= w && x! <= e && y! >= s && y! <= n).toBe(true);
        // Tight: every edge is attained by some coordinate.
        expect(all.some(([x]) => x === w) && all.some(([x]) => x === e)).toBe(true);
        expect(all.some(([, y]) => y === s) && all.some(([, y]) => y === n)).toBe(true);
        // Its geometry covers exactly the bbox, and the Item built from it validates.
        expect(geoExtent([extent.geometry])!.bbox).toEqual(extent.bbox);
        const item = renderStacItem(INPUTS.stations, INPUTS.stations.versions[0]!, extent);
        expect(validateStacItem(item).errors).toEqual([]);
      }),
    );
  });

  it('measures the generalized features, not the raw ones', () => {
    const raw = {
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', geometry: { type: 'Point', coordinates: [-98.4552, 37.4757] } },
        { type: 'Feature', geometry: { type: 'Point', coordinates: [-96.31, 39.18] } },
      ],
    };
    const published = {
      ...raw,
      features: raw.features.map((f) => ({ ...f, geometry: generalizeGeometry(f.geometry, 0.1) })),
    };
    expect(geoExtent([published])!.bbox).toEqual([-98.5, 37.5, -96.3, 39.2]);
  });

  it('uses a Point or a LineString when the bbox is degenerate, and ignores heights', () => {
    expect(geoExtent([{ type: 'Point', coordinates: [1, 2, 300] }])).toEqual({
      bbox: [1, 2, 1, 2],
      geometry: { type: 'Point', coordinates: [1, 2] },
    });
    expect(bboxGeometry([1, 2, 1, 5]).type).toBe('LineString');
    expect(bboxGeometry([1, 2, 3, 5] as Bbox).type).toBe('Polygon');
    expect(geoExtent([{ type: 'FeatureCollection', features: [] }])).toBeNull();
  });
});
