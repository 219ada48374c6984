import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type CatalogValidation,
  validateDcatCatalog,
  validateDcatDataset,
  validateProv,
  validateStacCollection,
  validateStacItem,
} from '../../src/catalogs/validate-catalogs.js';
import type { LedgerEvent } from '../../src/projections/ledger-event.js';
import { useDemoRoots } from '../support/demo-root.js';
import { EXAMPLES, type Example, fixturePath, POPULATION, SITES, STATIONS } from '../support/examples.js';
import { kfmLog } from '../support/kfm-cli.js';
import { filesUnder, readJson, sha256OfFile } from '../support/promote-root.js';

// Issue 4, "Tests": after the demo's truth path (`kfm demo`: init → ingest → transform → validate
// → promote for the three examples), every emitted catalog validates against the official schemas
// (DCAT-US 1.1, STAC 1.1.0, PROV-JSON), a deliberately broken copy of each does not, and
// catalog.emitted records each file's path and sha256.

const roots = useDemoRoots('promote-catalogs');
let root: string;
let events: LedgerEvent[];
const runs = new Map<Example, string>();
const versions = new Map<Example, string>();

beforeAll(async () => {
  root = await roots.pristine();
  events = await kfmLog(root);
  for (const e of events.filter((x) => x.type === 'version.published')) {
    runs.set(e.dataset_id as Example, e.run_id);
    versions.set(e.dataset_id as Example, (e.payload as { version_id: string }).version_id);
  }
}, 120_000);

const catalogDir = () => join(root, 'data', 'catalog');
const spatial = [STATIONS, SITES] as const;

type Validator = (document: unknown) => CatalogValidation;

/** Which validator a catalog file answers to, and how to break it: a required member dropped. */
function kindOf(path: string): { validate: Validator; drop: (doc: Record<string, unknown>) => string } {
  const dropKey = (key: string) => (doc: Record<string, unknown>) => {
    delete doc[key];
    return `/${key}`;
  };
  if (path === 'dcat/catalog.json') return { validate: validateDcatCatalog, drop: dropKey('dataset') };
  if (path.startsWith('dcat/')) return { validate: validateDcatDataset, drop: dropKey('title') };
  if (path.endsWith('/collection.json')) return { validate: validateStacCollection, drop: dropKey('extent') };
  if (path.startsWith('stac/')) return { validate: validateStacItem, drop: dropKey('id') };
  return {
    validate: validateProv,
    drop: (doc) => {
      // PROV-JSON: a usage must name its entity.
      const used = doc.used as Record<string, Record<string, unknown>>;
      const [id, usage] = Object.entries(used)[0]!;
      delete usage['prov:entity'];
      return `/used/${id.replace(/~/g, '~0').replace(/\//g, '~1')}/prov:entity`;
    },
  };
}

describe('the catalogs the demo emitted', () => {
  it('are DCAT for every dataset and the catalog, STAC for the two spatial ones only, PROV per run', () => {
    const expected = [
      'dcat/catalog.json',
      ...EXAMPLES.map((id) => `dcat/${id}.json`),
      ...EXAMPLES.map((id) => `prov/${id}/run_${runs.get(id)}.json`),
      ...spatial.flatMap((id) => [
        `stac/${id}/collection.json`,
        `stac/${id}/items/${versions.get(id)}/${id}-${versions.get(id)}.json`,
      ]),
    ];
    expect(runs.size).toBe(3);
    expect(filesUnder(catalogDir())).toEqual(expected.sort());
    expect(filesUnder(catalogDir()).some((p) => p.includes(`stac/${POPULATION}`))).toBe(false);
  });

  it('each validate against their official schema', () => {
    for (const path of filesUnder(catalogDir())) {
      const result = kindOf(path).validate(readJson(join(catalogDir(), path)));
      expect({ path, ...result }).toEqual({ path, valid: true, errors: [] });
    }
  });

  it('each fail validation when a required member is dropped, and the error names it', () => {
    for (const path of filesUnder(catalogDir())) {
      const kind = kindOf(path);
      const broken = readJson(join(catalogDir(), path));
      const pointer = kind.drop(broken);
      const result = kind.validate(broken);
      expect(result.valid, path).toBe(false);
      expect(
        result.errors.map((e) => e.path),
        path,
      ).toContain(pointer);
    }
  });

  it('each have a catalog.emitted event with their path, kind and sha256', () => {
    const emitted = events.filter((e) => e.type === 'catalog.emitted');
    const latest = new Map<string, { kind: string; path: string; sha256: string }>();
    for (const e of emitted) {
      const payload = e.payload as { kind: string; path: string; sha256: string };
      latest.set(payload.path, payload);
    }
    expect([...latest.keys()].sort()).toEqual(filesUnder(catalogDir()));
    for (const [path, payload] of latest) {
      expect(payload.sha256, path).toBe(sha256OfFile(join(catalogDir(), path)));
      expect(payload.kind).toBe(path.split('/')[0]);
    }
  });

  it('give DCAT access levels from the registry sensitivity', () => {
    const access = (id: Example) =>
      readJson<{ accessLevel: string; rights?: string }>(join(catalogDir(), 'dcat', `${id}.json`));
    expect(access(STATIONS).accessLevel).toBe('public');
    expect(access(POPULATION).accessLevel).toBe('public');
    expect(access(SITES)).toMatchObject({ accessLevel: 'restricted public', rights: expect.any(String) });
  });
});

describe('the generalization of ks_archaeological_sites', () => {
  const onGrid = (x: number) =>
    Math.abs(x * 10 - Math.round(x * 10)) < 1e-9 && /^-?\d+(\.\d)?$/.test(String(x));
  const coordinates = (value: unknown): number[] =>
    Array.isArray(value) ? value.flatMap(coordinates) : typeof value === 'number' ? [value] : [];

  it('publishes no coordinate finer than the registry precision of 0.1°', () => {
    const published = readJson<{ features: { geometry: { coordinates: unknown } }[] }>(
      join(root, 'data', 'processed', SITES, versions.get(SITES)!, 'sites.geojson'),
    );
    const values = published.features.flatMap((f) => coordinates(f.geometry.coordinates));
    expect(values).toHaveLength(16);
    expect(values.filter((x) => !onGrid(x))).toEqual([]);
  });

  it('computes the STAC and DCAT extents from the generalized data', () => {
    const stac = join(catalogDir(), 'stac', SITES);
    const collection = readJson<{ extent: { spatial: { bbox: number[][] } } }>(join(stac, 'collection.json'));
    const item = readJson<{ bbox: number[]; geometry: { coordinates: unknown } }>(
      join(stac, 'items', versions.get(SITES)!, `${SITES}-${versions.get(SITES)}.json`),
    );
    const dcat = readJson<{ spatial: string }>(join(catalogDir(), 'dcat', `${SITES}.json`));
    const values = [
      ...coordinates(collection.extent.spatial.bbox),
      ...coordinates(item.bbox),
      ...coordinates(item.geometry.coordinates),
      ...dcat.spatial.split(',').map(Number),
    ];
    expect(values.length).toBeGreaterThanOrEqual(12);
    expect(values.filter((x) => !onGrid(x))).toEqual([]);
  });

  it('leaves none of the exact raw coordinates anywhere under data/processed or data/catalog', () => {
    const raw = readJson<{ features: { geometry: { coordinates: number[] } }[] }>(fixturePath(SITES));
    const exact = raw.features.flatMap((f) => f.geometry.coordinates).map(String);
    expect(exact.filter((x) => !/\.\d{3,}$/.test(x))).toEqual([]); // the fixture really is finer
    for (const zone of ['processed', 'catalog']) {
      for (const path of filesUnder(join(root, 'data', zone))) {
        const text = readFileSync(join(root, 'data', zone, path), 'utf8');
        expect(
          exact.filter((x) => text.includes(x)),
          `${zone}/${path}`,
        ).toEqual([]);
      }
    }
  });

  it('shows the generalization in PROV as its own activity, using raw and generating the work artifact', () => {
    type Relation = Record<string, string>;
    const prov = readJson<{
      activity: Record<string, Record<string, unknown>>;
      used: Record<string, Relation>;
      wasGeneratedBy: Record<string, Relation>;
      wasDerivedFrom: Record<string, Relation>;
    }>(join(catalogDir(), 'prov', SITES, `run_${runs.get(SITES)}.json`));
    const applied = events.find((e) => e.type === 'transform.applied' && e.dataset_id === SITES)!;
    expect(applied.payload).toMatchObject({ name: 'generalize_geometry', params: { precision_deg: 0.1 } });
    const activities = Object.entries(prov.activity).filter(
      ([, a]) => a['kfm:transform'] === 'generalize_geometry',
    );
    expect(activities).toHaveLength(1);
    const [id, activity] = activities[0]!;
    expect(activity).toMatchObject({ 'kfm:seq': applied.seq, 'prov:startTime': expect.any(String) });
    const used = Object.values(prov.used).filter((u) => u['prov:activity'] === id);
    const generated = Object.values(prov.wasGeneratedBy).filter((g) => g['prov:activity'] === id);
    expect(used.map((u) => u['prov:entity'])).toEqual([expect.stringMatching(/^kfm:raw\//)]);
    expect(generated.map((g) => g['prov:entity'])).toEqual([
      expect.stringMatching(/^kfm:work\/.*sites\.geojson$/),
    ]);
    expect(Object.values(prov.wasDerivedFrom).filter((d) => d['prov:activity'] === id)).toHaveLength(1);
  });
});
