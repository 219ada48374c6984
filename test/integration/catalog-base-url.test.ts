import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { STATIONS } from '../support/examples.js';
import { kfm, type PromoteJson, stage } from '../support/kfm-cli.js';
import { ledgerEvents } from '../support/ledger-file.js';
import { ingestEditedFixture, readJson } from '../support/promote-root.js';
import { initRoot } from '../support/stage-root.js';
import { useTempDirs } from '../support/temp-dirs.js';

// Issue 15, "Catalog quality": `kfm promote --base-url` names the governed API's public URL in
// DCAT (identifier, landingPage, downloadURL) and STAC asset hrefs. It is recorded in
// version.published, so replay reproduces the catalogs and later versions keep it.

const BASE = 'https://data.example.org/kfm';
const roots = useTempDirs('catalog-base-url');
let root: string;
const promoted: PromoteJson[] = [];

beforeAll(async () => {
  root = roots();
  await initRoot(root);
  await stage(root, ['ingest', STATIONS, '--run_id', 'first']);
  await stage(root, ['validate', STATIONS, '--run_id', 'first']);
  promoted.push(
    (await stage<PromoteJson>(root, ['promote', STATIONS, '--run_id', 'first', '--base-url', `${BASE}/`]))
      .json,
  );
  await ingestEditedFixture(root, STATIONS, 'second', (doc) => {
    doc.features[0]!.properties.elevation_m = 1;
  });
  await stage(root, ['validate', STATIONS, '--run_id', 'second']);
  promoted.push((await stage<PromoteJson>(root, ['promote', STATIONS, '--run_id', 'second'])).json);
}, 240_000);

const catalog = (path: string) => readJson(join(root, 'data', 'catalog', path));

describe('promote --base-url', () => {
  it('records the URL, without its trailing slash, in version.published, and keeps it for the next version', () => {
    const published = ledgerEvents(root, { type: 'version.published' });
    expect(published.map((e) => (e.payload as { base_url?: string }).base_url)).toEqual([BASE, BASE]);
    const started = ledgerEvents(root, { run_id: 'first', type: 'run.started' }).at(-1)!;
    expect((started.payload as { args: Record<string, unknown> }).args['base-url']).toBe(BASE);
  });

  it('names the dataset and every distribution under the URL in DCAT', () => {
    const dcat = catalog(`dcat/${STATIONS}.json`) as {
      identifier: string;
      landingPage: string;
      distribution: { downloadURL: string }[];
    };
    expect(dcat.identifier).toBe(`${BASE}/datasets/${STATIONS}`);
    expect(dcat.landingPage).toBe(`${BASE}/datasets/${STATIONS}`);
    expect(dcat.distribution.map((d) => d.downloadURL)).toEqual(
      promoted.map((p) => `${BASE}/datasets/${STATIONS}/versions/${p.version_id}/artifacts/stations.geojson`),
    );
  });

  it('links STAC assets under the URL', () => {
    const v2 = promoted[1]!.version_id;
    const item = catalog(`stac/${STATIONS}/items/${v2}/${STATIONS}-${v2}.json`) as {
      assets: Record<string, { href: string }>;
    };
    expect(item.assets['stations.geojson']!.href).toBe(
      `${BASE}/datasets/${STATIONS}/versions/${v2}/artifacts/stations.geojson`,
    );
  });

  it("rewrites the superseded version's STAC item with successor and latest links", () => {
    const [v1, v2] = promoted.map((p) => p.version_id);
    const item = catalog(`stac/${STATIONS}/items/${v1}/${STATIONS}-${v1}.json`) as {
      links: { rel: string; href: string }[];
    };
    const next = `../../items/${v2}/${STATIONS}-${v2}.json`;
    expect(item.links.filter((l) => l.rel.endsWith('-version'))).toEqual([
      { rel: 'successor-version', href: next, type: 'application/geo+json' },
      { rel: 'latest-version', href: next, type: 'application/geo+json' },
    ]);
  });

  it('replays byte for byte', async () => {
    const check = await kfm(root, ['replay', '--check']);
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  it('refuses a URL with a query, naming the flag, and appends nothing', async () => {
    const before = ledgerEvents(root).length;
    const refused = await kfm(root, ['promote', STATIONS, '--run_id', 'second', '--base-url', `${BASE}?a=1`]);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/^kfm: --base-url .*without credentials, query or fragment.*\[USAGE\]\n$/);
    expect(ledgerEvents(root)).toHaveLength(before);
  });
});
