import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LedgerEvent } from '../../src/projections/ledger-event.js';
import { createToken } from '../../src/serve/tokens.js';
import { useDemoRoots } from '../support/demo-root.js';
import { kfmLog, stage } from '../support/kfm-cli.js';
import { http, type ServeProcess, spawnServe, writeRegistry } from '../support/serve-http.js';

// Issue 14's lineage page, end to end: the built `kfm serve` on a `kfm demo` root, the page at
// /ui/ in headless Chromium (Debian's package, driven by playwright-core), clicked as a person
// would. If Chromium cannot start, every test here fails: `.ci/run` installs it, nothing skips.

/** Debian's `chromium` package (apt-get install -y chromium): playwright downloads no browser here. */
const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

const dir = useDemoRoots('serve-ui');
const RESTRICTED = 'ks_county_population';
const analyst = createToken(['census'], 'analyst');
let root: string;
let serve: ServeProcess;
let browser: Browser;
let page: Page;
let launchError: Error | undefined;
/** Every URL the page requested, and every uncaught error in it, over all the tests. */
const requested: string[] = [];
const pageErrors: string[] = [];
let published: Map<string, LedgerEvent & { payload: PublishedPayload }>;

interface PublishedPayload {
  version_id: string;
  content_hash: string;
  artifacts: { path: string; sha256: string }[];
}

/**
 * The lineage graph of ks_mesonet_stations in the demo, node by node (docs/design.md, "Lineage"):
 * its one upstream file, the one raw capture, the one run (ingest, validate, promote; no
 * transform), its validation report, the version, and five catalog files — the DCAT record and
 * the DCAT catalog, the STAC collection and the version's STAC item, and the run's PROV-JSON.
 */
const MESONET_NODES = { source: 1, raw: 1, run: 1, validation: 1, version: 1, catalog: 5 };
/** Just before its version.published: the run has validated and started promoting, nothing more. */
const MESONET_NODES_BEFORE_PUBLISH = { source: 1, raw: 1, run: 1, validation: 1 };
/**
 * ks_archaeological_sites: the demo's run (capture, generalization, validation, version, five
 * catalogs) and the run this test adds, which captures the same bytes again (so the raw node is
 * the first capture's file) and is denied promotion.
 */
const SITES_NODES = {
  source: 1,
  raw: 1,
  run: 2,
  transform: 1,
  validation: 1,
  denial: 1,
  version: 1,
  catalog: 5,
};
let denied: { run_id: string; reasons: { code: string; message: string }[] };

beforeAll(async () => {
  root = await dir.pristine();
  published = new Map(
    (await kfmLog(root, ['--type', 'version.published'])).map((e) => [
      e.dataset_id,
      e as LedgerEvent & { payload: PublishedPayload },
    ]),
  );
  // The demo's county population becomes restricted to the `census` role (its version was
  // published public; the registry now governs too, dataset-access.ts).
  const yaml = readFileSync(join(root, 'data', 'registry', `${RESTRICTED}.yml`), 'utf8');
  const restricted = yaml
    .replace('sensitivity: public', 'sensitivity: restricted')
    .replace('policy_labels: [open-data]', 'policy_labels: [census]');
  expect(restricted).not.toBe(yaml);
  writeRegistry(root, RESTRICTED, restricted);
  // A run of the sensitive dataset promoted without validation or generalization: denied (exit 3).
  const ingest = await stage(root, ['ingest', 'ks_archaeological_sites']);
  const promote = await stage(
    root,
    ['promote', 'ks_archaeological_sites', '--run_id', ingest.json.run_id],
    3,
  );
  denied = promote.json as unknown as typeof denied;
  expect(denied.reasons.map((r) => r.code)).toEqual(['VALIDATION_MISSING', 'REDACTION_REQUIRED']);
  const tokens = join(dir(), 'tokens.json');
  writeFileSync(tokens, JSON.stringify([analyst.record]));
  serve = await spawnServe(root, ['--tokens', tokens]);
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  } catch (error) {
    // Each browser test fails with this (beforeEach below), so no report can read it as a skip.
    launchError = new Error(
      `Chromium (${CHROMIUM}) could not start; install it: apt-get install -y chromium\n${error}`,
    );
    return;
  }
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(10_000);
  page.on('request', (request) => requested.push(request.url()));
  page.on('pageerror', (error) => pageErrors.push(error.message));
});

afterAll(async () => {
  await browser?.close();
  serve?.child.kill('SIGTERM');
  await serve?.exited;
});

const datasetLinks = async () => {
  await page.locator('[data-dataset]').first().waitFor();
  return page.locator('[data-dataset]').allTextContents();
};

/** The graph's nodes by kind, read from the SVG the page drew. */
async function nodeKinds(): Promise<Record<string, number>> {
  const classes = await page
    .locator('#lineage-graph g.node')
    .evaluateAll((nodes) => nodes.map((n) => n.getAttribute('class') ?? ''));
  const counts: Record<string, number> = {};
  for (const kind of classes.map((c) => c.replace(/^node /, ''))) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

describe('/ui/ over HTTP', () => {
  it('is the built page, with a policy that allows its own script and style only', async () => {
    const answer = await http(serve.url, '/ui/');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(answer.headers['content-security-policy']).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    const script = /<script type="module" crossorigin src="(\/ui\/assets\/[^"]+\.js)">/.exec(answer.text);
    expect(script).not.toBeNull();
    const js = await http(serve.url, script![1]!);
    expect([js.status, js.headers['content-type']]).toEqual([200, 'text/javascript; charset=utf-8']);
    // Bundled: nothing in it is fetched from another origin.
    expect(answer.text).not.toMatch(/https?:\/\//);
  });

  it('redirects /ui to /ui/ and serves no other file', async () => {
    const bare = await http(serve.url, '/ui');
    expect([bare.status, bare.headers.location]).toEqual([308, '/ui/']);
    const unknown = await http(serve.url, '/ui/assets/app.js');
    expect([unknown.status, unknown.json().code]).toEqual([404, 'NOT_FOUND']);
    // Anything but the page's own files goes through the API's checks, traversal refused first.
    const traversal = await http(serve.url, '/ui/assets/../../ledger/kfm.sqlite');
    expect([traversal.status, traversal.json().code]).toEqual([400, 'PATH_REFUSED']);
  });
});

describe('the lineage page in Chromium', () => {
  beforeEach(() => {
    if (launchError !== undefined) throw launchError;
  });

  it('lists what an anonymous caller may see: the restricted dataset is absent', async () => {
    await page.goto(`${serve.url}/ui/`);
    expect(await datasetLinks()).toEqual(['ks_archaeological_sites', 'ks_mesonet_stations']);
  });

  it('shows a dataset: its version, its run, and the lineage graph with the right nodes', async () => {
    const version = published.get('ks_mesonet_stations')!;
    await page.locator('[data-dataset="ks_mesonet_stations"]').click();
    const row = page.locator(`#versions [data-version="${version.payload.version_id}"]`);
    await row.waitFor();
    expect(await page.locator('#versions tbody tr').count()).toBe(1);
    expect(await page.locator('#runs tbody tr').allTextContents()).toEqual([
      `${version.run_id}ingest succeededvalidate succeededpromote succeededpublished ${version.payload.version_id}`,
    ]);
    expect(await nodeKinds()).toEqual(MESONET_NODES);
    expect(await page.locator('#lineage-graph g.edge').count()).toBe(9);
  });

  it('shows a denied promotion with its reason codes, in the runs and in the graph', async () => {
    const sites = published.get('ks_archaeological_sites')!;
    await page.locator('[data-dataset="ks_archaeological_sites"]').click();
    await page.locator('#runs', { hasText: denied.run_id }).waitFor();
    const reasons = denied.reasons.map((r) => `${r.code} (${r.message})`).join('; ');
    expect(await page.locator('#runs tbody tr').allTextContents()).toEqual([
      `${sites.run_id}ingest succeededtransform succeededvalidate succeededpromote succeededpublished ${sites.payload.version_id}`,
      `${denied.run_id}ingest succeededpromote denieddenied: ${reasons}`,
    ]);
    expect(await nodeKinds()).toEqual(SITES_NODES);
    expect(await page.locator('#lineage-graph g.node.denial title').textContent()).toBe(
      'denied\nVALIDATION_MISSING, REDACTION_REQUIRED',
    );
  });

  it('follows the version to its provenance: content hash, checksums, ledger anchor, artifact links', async () => {
    const version = published.get('ks_mesonet_stations')!;
    const { version_id, content_hash, artifacts } = version.payload;
    await page.locator('[data-dataset="ks_mesonet_stations"]').click();
    await page.locator(`[data-version="${version_id}"]`).click();
    await page.locator('#provenance').waitFor();
    expect(await page.locator('#content-hash').textContent()).toBe(content_hash);
    expect(await page.locator('#anchor-hash').textContent()).toBe(version.hash);
    expect(await page.locator('#checksums').textContent()).toBe(
      artifacts.map((a) => `${a.sha256}  ${a.path}\n`).join(''),
    );
    const links = await page
      .locator('#artifacts a.artifact')
      .evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    expect(links).toEqual(
      artifacts.map((a) => `/datasets/ks_mesonet_stations/versions/${version_id}/artifacts/${a.path}`),
    );
    const bytes = await http(serve.url, links[0]!);
    expect(bytes.headers.etag).toBe(`"${artifacts[0]!.sha256}"`);
  });

  it('goes back in time with the as-of control: before its version.published there is no version', async () => {
    const before = published.get('ks_mesonet_stations')!.seq - 1;
    await page.goto(`${serve.url}/ui/#/datasets/ks_mesonet_stations`);
    await page.locator('#versions').waitFor();
    await page.locator('#as-of').fill(String(before));
    await page.locator('#as-of-form button[type="submit"]').click();
    await page.locator('#graph-summary', { hasText: `as of seq ${before}` }).waitFor();
    expect(await page.locator('#versions').count()).toBe(0);
    expect(await page.locator('#view').textContent()).toContain('No version at this point.');
    expect(await nodeKinds()).toEqual(MESONET_NODES_BEFORE_PUBLISH);
    expect(await page.locator('#head').textContent()).toBe(`ledger seq ${before}`);
    await page.locator('#as-of-clear').click();
    await page.locator('#versions').waitFor();
    expect(await nodeKinds()).toEqual(MESONET_NODES);
  });

  it('shows the restricted dataset with a token of its role, and saves a screenshot', async () => {
    const county = published.get(RESTRICTED)!;
    await page.locator('#token').fill(analyst.token);
    await page.locator('#token-form button[type="submit"]').click();
    await page.locator(`[data-dataset="${RESTRICTED}"]`).click();
    await page.locator(`#versions [data-version="${county.payload.version_id}"]`).waitFor();
    expect(await datasetLinks()).toEqual(['ks_archaeological_sites', RESTRICTED, 'ks_mesonet_stations']);
    await page.locator('#token-clear').click();
    await page.locator('#view .error').waitFor();
    expect(await datasetLinks()).toEqual(['ks_archaeological_sites', 'ks_mesonet_stations']);
    expect(await page.locator('#view .error').textContent()).toMatch(/^401 AUTH_REQUIRED: /);

    // Offline by construction: everything came from this server, and nothing failed in the page.
    expect(requested.filter((url) => !url.startsWith(`${serve.url}/`))).toEqual([]);
    expect(requested.length).toBeGreaterThan(0);
    expect(pageErrors).toEqual([]);

    const shots = join(dir(), 'screenshots');
    mkdirSync(shots);
    const png = await page.screenshot({ path: join(shots, 'ui.png') });
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  });
});
