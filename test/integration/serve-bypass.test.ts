import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken, TokenStore } from '../../src/serve/tokens.js';
import { useDemoRoots } from '../support/demo-root.js';
import { ledgerEvents, ledgerPath } from '../support/ledger-file.js';
import { appendAsRuntime } from '../support/runtime-append.js';
import { http, sha256, startTestServer, type TestServer, writeRegistry } from '../support/serve-http.js';

// Versions the promotion gate would never let through, written around it (files in data/processed
// and core events appended past the runtime, as a forger with the ledger file could): the boundary
// checks again what it serves, so a finer coordinate, an ungeneralized run or a non-aggregate
// artifact is refused even then.

const dir = useDemoRoots('serve-bypass');
const POPULATION = 'ks_county_population';
const SITES = 'ks_archaeological_sites';
const steward = createToken(['cultural-resources'], 'steward');
let root: string;
let server: TestServer;
const versions = new Map<
  string,
  { version_id: string; run_id: string; artifact: string; event: Record<string, unknown> }
>();

const get = (path: string, token?: string) => http(server.url, path, token === undefined ? {} : { token });
const artifactPath = (id: string, name = versions.get(id)!.artifact) =>
  `/datasets/${id}/versions/${versions.get(id)!.version_id}/artifacts/${name}`;

/** Appends core events past the runtime (`kfm append` refuses them), as a forger with the file could. */
function append(events: object[]): Promise<void> {
  return appendAsRuntime(ledgerPath(root), events);
}

/** A version folder written by hand and a version.published for it: what a gate bypass would leave. */
async function craftVersion(versionId: string, name: string, content: string, generalized: boolean) {
  const real = versions.get(SITES)!.event.payload as Record<string, unknown>;
  const folder = join(root, 'data', 'processed', SITES, versionId);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, name), content);
  const runId = `bypass-${versionId}`;
  const artifacts = [{ path: name, sha256: sha256(content), bytes: Buffer.byteLength(content) }];
  await append([
    ...(generalized
      ? [
          {
            type: 'transform.applied',
            dataset_id: SITES,
            run_id: runId,
            payload: {
              name: 'generalize_geometry',
              params: { precision_deg: 0.1 },
              inputs: [],
              outputs: [name],
              summary: {},
            },
          },
        ]
      : []),
    {
      type: 'version.published',
      dataset_id: SITES,
      run_id: runId,
      payload: {
        version_id: versionId,
        content_hash: sha256(versionId),
        artifacts,
        supersedes: real.version_id,
        registry: real.registry,
        bbox: [-98.51234, 37.5, -98.51234, 37.5],
      },
    },
  ]);
}

const AGGREGATE = 'county,population\nRiley-total,1000\n';

/** ks_aggregates (aggregate-only): one artifact from an aggregate transform, one straight from the rows. */
async function craftAggregateVersion() {
  writeRegistry(
    root,
    'ks_aggregates',
    readFileSync(join(root, 'data', 'registry', `${POPULATION}.yml`), 'utf8')
      .replace(`dataset_id: ${POPULATION}`, 'dataset_id: ks_aggregates')
      .replace('sensitivity: public', 'sensitivity: aggregate-only'),
  );
  const files = {
    'by_county.csv': AGGREGATE,
    'rows.csv': 'county,fips,year,population\nRiley,20161,2020,71000\n',
  };
  const folder = join(root, 'data', 'processed', 'ks_aggregates', 'v00000000000000a1');
  mkdirSync(folder, { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(join(folder, name), content);
  const artifacts = Object.entries(files).map(([path, c]) => ({
    path,
    sha256: sha256(c),
    bytes: Buffer.byteLength(c),
  }));
  const registry = {
    dataset_id: 'ks_aggregates',
    license: 'CC0-1.0',
    sensitivity: 'aggregate-only',
    policy_labels: ['open-data'],
  };
  const run = { dataset_id: 'ks_aggregates', run_id: 'agg-1' };
  await append([
    {
      type: 'transform.applied',
      ...run,
      payload: {
        name: 'aggregate_by_county',
        params: {},
        inputs: ['rows.csv'],
        outputs: ['runs/agg-1/by_county.csv'],
        summary: {},
      },
    },
    {
      type: 'version.published',
      ...run,
      payload: {
        version_id: 'v00000000000000a1',
        content_hash: sha256('a1'),
        artifacts,
        supersedes: null,
        registry,
      },
    },
  ]);
}

const FINE = JSON.stringify({
  type: 'FeatureCollection',
  features: [
    {
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [-98.51234, 37.5] },
      properties: { site_id: 'X' },
    },
  ],
});

beforeAll(async () => {
  root = await dir.pristine();
  for (const event of ledgerEvents(root, { type: 'version.published' })) {
    const p = event.payload as { version_id: string; artifacts: { path: string }[] };
    versions.set(event.dataset_id, {
      version_id: p.version_id,
      run_id: event.run_id,
      artifact: p.artifacts[0]!.path,
      event: event as never,
    });
  }
  // sites: versions that would never pass the gate, written around it.
  await craftVersion('v00000000000000f1', 'sites.geojson', FINE, true);
  await craftVersion('v00000000000000f2', 'sites.geojson', FINE.replace('-98.51234', '-98.61234'), false);
  await craftVersion('v00000000000000f3', 'sites.csv', 'site_id,lat,lon\nX,37.51234,-98.51234\n', true);
  await craftAggregateVersion();
  server = await startTestServer({ root, tokens: new TokenStore([steward.record]), verifyMinIntervalMs: 0 });
});

afterAll(() => server?.close());

describe('sensitive-location versions written around the promotion gate', () => {
  const V = (v: string, name = 'sites.geojson') => `/datasets/${SITES}/versions/${v}/artifacts/${name}`;

  it('refuses an artifact with a coordinate finer than the registry precision (POLICY_DENIED)', async () => {
    const answer = await get(V('v00000000000000f1'));
    expect([answer.status, answer.json().code]).toEqual([403, 'POLICY_DENIED']);
    expect(answer.text).not.toContain('98.51234');
    expect(server.logs.find((l) => l.code === 'POLICY_DENIED')).toMatchObject({
      reason: 'a coordinate is finer than 0.1°',
    });
  });

  it('leaves an off-grid extent out of every JSON answer', async () => {
    for (const path of [
      `/datasets/${SITES}`,
      `/datasets/${SITES}/versions/v00000000000000f1`,
      `/datasets/${SITES}/versions/v00000000000000f1/provenance`,
      '/datasets',
    ]) {
      const answer = await get(path);
      expect([path, answer.status]).toEqual([path, 200]);
      expect(answer.text).not.toContain('98.51234');
    }
  });

  it('does not serve a version whose run recorded no generalization at all', async () => {
    expect((await get(`/datasets/${SITES}/versions/v00000000000000f2`)).status).toBe(404);
    expect((await get(V('v00000000000000f2'))).status).toBe(404);
  });

  it('does not serve an artifact whose coordinates it cannot check', async () => {
    const answer = await get(V('v00000000000000f3', 'sites.csv'));
    expect([answer.status, answer.json().code]).toEqual([403, 'POLICY_DENIED']);
  });

  it('still serves the generalized version the gate promoted', async () => {
    const answer = await get(artifactPath(SITES));
    expect(answer.status).toBe(200);
    expect(sha256(answer.body)).toBe(answer.headers.etag?.slice(1, -1));
  });
});

describe('aggregate-only data', () => {
  it('serves only the artifacts an aggregate transform wrote', async () => {
    const base = '/datasets/ks_aggregates/versions/v00000000000000a1/artifacts';
    const aggregated = await get(`${base}/by_county.csv`);
    expect(aggregated.status).toBe(200);
    expect(aggregated.text).toBe(AGGREGATE);
    const rows = await get(`${base}/rows.csv`);
    expect([rows.status, rows.json().code]).toEqual([403, 'POLICY_DENIED']);
    expect(rows.text).not.toContain('Riley');
  });
});

describe('a registry tightened after publication', () => {
  const V = (v: string) => `/datasets/${SITES}/versions/${v}/artifacts/sites.geojson`;

  it('applies at once: the sensitive dataset made restricted needs a token, and its snapshot still applies', async () => {
    const file = join(root, 'data', 'registry', `${SITES}.yml`);
    const before = readFileSync(file, 'utf8');
    writeFileSync(file, before.replace('sensitivity: sensitive-location', 'sensitivity: restricted'));
    try {
      expect((await get(`/datasets/${SITES}`)).status).toBe(401);
      expect((await get(artifactPath(SITES), steward.token)).status).toBe(200);
      // The version's snapshot says sensitive-location: the coordinate check still runs.
      expect((await get(V('v00000000000000f1'), steward.token)).status).toBe(403);
    } finally {
      writeFileSync(file, before);
    }
    expect((await get(`/datasets/${SITES}`)).status).toBe(200);
  });
});

describe('the ledger under the server', () => {
  it('verified with the crafted events: the boundary, not the chain, is what refused them', async () => {
    const health = (await get('/healthz?verify=1')).json<{ status: string; verification: { ok: boolean } }>();
    expect(health).toMatchObject({ status: 'ok', verification: { ok: true } });
  });
});
