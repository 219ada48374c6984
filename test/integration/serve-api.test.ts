import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerEvent } from '../../src/projections/ledger-event.js';
import { useDemoRoots } from '../support/demo-root.js';
import { kfm, kfmJson, kfmLog } from '../support/kfm-cli.js';
import { ledgerEvents } from '../support/ledger-file.js';
import { type OpenApiDocument, openApiValidator } from '../support/openapi-validator.js';
import { type HttpAnswer, http, sha256, startTestServer, type TestServer } from '../support/serve-http.js';

// Issue 7's contract: every endpoint of the governed read API against a real `kfm demo` root over
// real HTTP on 127.0.0.1, each answer checked against the OpenAPI document the server serves, and
// against the ledger and the files the CLI wrote.

const dir = useDemoRoots('serve-api');
const IDS = ['ks_mesonet_stations', 'ks_county_population', 'ks_archaeological_sites'] as const;
let root: string;
let server: TestServer;
let published: Map<string, LedgerEvent>;
/** `kfm head --json` once the demo is done (the server appends nothing). */
let head: unknown;
let validate: (schema: string, value: unknown) => string[];

const get = (path: string, options = {}) => http(server.url, path, options);
const payload = (id: string) =>
  published.get(id)!.payload as {
    version_id: string;
    artifacts: { path: string; sha256: string; bytes: number }[];
  };
const versionPath = (id: string) => `/datasets/${id}/versions/${payload(id).version_id}`;

beforeAll(async () => {
  root = await dir.pristine();
  server = await startTestServer({ root });
  published = new Map((await kfmLog(root, ['--type', 'version.published'])).map((e) => [e.dataset_id, e]));
  head = (await kfmJson(root, ['head'])).json;
  validate = openApiValidator((await get('/openapi.json')).json<OpenApiDocument>());
});

afterAll(() => server?.close());

function expectJson(answer: HttpAnswer, status: number, schema: string) {
  expect(answer.status, answer.text).toBe(status);
  expect(answer.headers['content-type']).toBe('application/json');
  const body = answer.json();
  expect(validate(schema, body)).toEqual([]);
  return body;
}

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3.1 document naming every endpoint, whose schemas compile', async () => {
    const doc = (await get('/openapi.json')).json<{ openapi: string; paths: Record<string, unknown> }>();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/datasets',
      '/datasets/{dataset_id}',
      '/datasets/{dataset_id}/stac/collection.json',
      '/datasets/{dataset_id}/stac/items/{version_id}/{item}',
      '/datasets/{dataset_id}/versions/{version_id}',
      '/datasets/{dataset_id}/versions/{version_id}/artifacts/{name}',
      '/datasets/{dataset_id}/versions/{version_id}/bundle',
      '/datasets/{dataset_id}/versions/{version_id}/provenance',
      '/healthz',
      '/lineage/{target}',
      '/openapi.json',
      '/tlog/checkpoint',
      '/tlog/tile/{tile}',
    ]);
  });
});

describe('GET /datasets', () => {
  it('lists the three demo datasets with their class and latest version, at the ledger head', async () => {
    const body = expectJson(await get('/datasets'), 200, 'DatasetList') as {
      datasets: { dataset_id: string; sensitivity: string; latest_version: { version_id: string } }[];
      ledger_head: unknown;
    };
    expect(body.datasets.map((d) => d.dataset_id)).toEqual([...published.keys()].sort());
    for (const d of body.datasets) expect(d.latest_version.version_id).toBe(payload(d.dataset_id).version_id);
    expect(Object.fromEntries(body.datasets.map((d) => [d.dataset_id, d.sensitivity]))).toMatchObject({
      ks_archaeological_sites: 'sensitive-location',
      ks_county_population: 'public',
      ks_mesonet_stations: 'public',
    });
    expect(body.ledger_head).toEqual(head);
  });
});

describe.each(IDS)('the endpoints of %s', (id) => {
  it('GET /datasets/{id}: registry facts without the upstream, its versions, the DCAT record of the catalog', async () => {
    const body = expectJson(await get(`/datasets/${id}`), 200, 'Dataset') as Record<string, unknown>;
    expect(body.latest_version).toBe(payload(id).version_id);
    const dcat = JSON.parse(readFileSync(join(root, 'data', 'catalog', 'dcat', `${id}.json`), 'utf8'));
    expect(body.dcat).toEqual(dcat);
  });

  it('GET …/versions/{version_id}: the DatasetVersion projection of its version.published event', async () => {
    const event = published.get(id)!;
    const body = expectJson(await get(versionPath(id)), 200, 'DatasetVersion') as Record<string, unknown>;
    expect(body).toMatchObject({
      dataset_id: id,
      version_id: payload(id).version_id,
      run_id: event.run_id,
      latest: true,
      supersedes: null,
      ledger: { seq: event.seq, hash: event.hash, event_id: event.event_id },
    });
    expect((body.artifacts as { sha256: string }[]).map((a) => a.sha256)).toEqual(
      payload(id).artifacts.map((a) => a.sha256),
    );
  });

  it('GET …/artifacts/{name}: bytes whose sha256 equals the ETag, the digests and checksums.sha256', async () => {
    const folder = join(root, 'data', 'processed', id, payload(id).version_id);
    const checksums = readFileSync(join(folder, 'checksums.sha256'), 'utf8');
    for (const artifact of payload(id).artifacts) {
      const answer = await get(`${versionPath(id)}/artifacts/${artifact.path}`);
      expect(answer.status).toBe(200);
      const digest = sha256(answer.body);
      expect(answer.headers.etag).toBe(`"${digest}"`);
      expect(checksums).toContain(`${digest}  ${artifact.path}\n`);
      expect(digest).toBe(sha256(readFileSync(join(folder, artifact.path))));
      const base64 = Buffer.from(digest, 'hex').toString('base64');
      expect(answer.headers['repr-digest']).toBe(`sha-256=:${base64}:`);
      expect(answer.headers['content-digest']).toBe(`sha-256=:${base64}:`);
      expect(answer.headers.digest).toBe(`SHA-256=${base64}`);
      expect(answer.headers['content-length']).toBe(String(artifact.bytes));
      expect(answer.headers.link).toBe(
        `<${versionPath(id)}/provenance>; rel="provenance http://www.w3.org/ns/prov#has_provenance"`,
      );
      expect(answer.headers['content-type']).toMatch(
        artifact.path.endsWith('.csv') ? 'text/csv' : 'application/geo+json',
      );
    }
  });

  it('HEAD …/artifacts/{name}: the same header fields, no content; If-None-Match: 304', async () => {
    const artifact = payload(id).artifacts[0]!;
    const path = `${versionPath(id)}/artifacts/${artifact.path}`;
    const head = await get(path, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers.etag).toBe(`"${artifact.sha256}"`);
    expect(head.headers['content-length']).toBe(String(artifact.bytes));
    const again = await get(path, { headers: { 'if-none-match': `"${artifact.sha256}"` } });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
  });

  it('HEAD and 304 carry Repr-Digest of the representation but no Content-Digest: they send no content (RFC 9530)', async () => {
    const artifact = payload(id).artifacts[0]!;
    const path = `${versionPath(id)}/artifacts/${artifact.path}`;
    const repr = `sha-256=:${Buffer.from(artifact.sha256, 'hex').toString('base64')}:`;
    const answers = [
      await get(path, { method: 'HEAD' }),
      await get(path, { headers: { 'if-none-match': `"${artifact.sha256}"` } }),
      await get(path, { method: 'HEAD', headers: { 'if-none-match': `"${artifact.sha256}"` } }),
    ];
    expect(answers.map((a) => [a.status, a.headers['repr-digest'], a.headers['content-digest']])).toEqual([
      [200, repr, undefined],
      [304, repr, undefined],
      [304, repr, undefined],
    ]);
  });

  it('GET …/provenance: a bundle whose ledger anchor is the version.published event `kfm log --json` prints', async () => {
    const event = published.get(id)!;
    const body = expectJson(await get(`${versionPath(id)}/provenance`), 200, 'ProvenanceBundle') as {
      ledger_anchor: { seq: number; hash: string };
      ledger_head: { seq: number; hash: string };
      checksums_sha256: string;
      spec_hashes: { spec_hash: string }[];
      validation: { passed: boolean };
      runs: { run_id: string }[];
      prov: unknown;
      content_hash: string;
    };
    expect(body.ledger_anchor).toMatchObject({ seq: event.seq, hash: event.hash, event_id: event.event_id });
    expect(body.ledger_head).toEqual(head);
    expect(body.content_hash).toBe((event.payload as { content_hash: string }).content_hash);
    const folder = join(root, 'data', 'processed', id, payload(id).version_id);
    expect(body.checksums_sha256).toBe(readFileSync(join(folder, 'checksums.sha256'), 'utf8'));
    const runEvents = ledgerEvents(root, { run_id: event.run_id });
    expect(body.spec_hashes.map((s) => s.spec_hash)).toEqual(
      runEvents
        .filter((e) => e.type === 'run.started')
        .map((e) => (e.payload as { spec_hash: string }).spec_hash),
    );
    expect(body.validation.passed).toBe(true);
    expect(body.runs.map((r) => r.run_id)).toEqual([event.run_id]);
    const provFile = join(root, 'data', 'catalog', 'prov', id, `run_${event.run_id}.json`);
    expect(body.prov).toEqual(JSON.parse(readFileSync(provFile, 'utf8')));
    const verify = await kfm(root, [
      'verify',
      '--anchor',
      `${body.ledger_anchor.seq}:${body.ledger_anchor.hash}`,
      '--anchor',
      `${body.ledger_head.seq}:${body.ledger_head.hash}`,
    ]);
    expect(verify.status, verify.stdout).toBe(0);
  });

  it('GET /lineage/{id} and /lineage/{id}@{version}: the lineage of the ledger at its head', async () => {
    // What the answer must say, read from the dataset's events here (the demo runs one run each),
    // not from the projection the server itself calls.
    const events = ledgerEvents(root, { dataset_id: id });
    const only = (type: string) => events.filter((e) => e.type === type);
    const published = only('version.published')[0]!;
    const versionId = payload(id).version_id;
    const capture = only('raw.captured')[0]!.payload as { path: string; source_uri: string };
    const validation = only('validation.reported')[0]!;
    const catalogs = only('catalog.emitted').map((e) => {
      const c = e.payload as { kind: string; path: string; sha256: string };
      return { kind: c.kind, path: c.path, sha256: c.sha256, seq: e.seq };
    });
    const expected = {
      dataset_id: id,
      as_of: { seq: (head as { seq: number }).seq, requested: null },
      upstream: [{ source_uri: capture.source_uri, first_seq: only('source.discovered')[0]!.seq }],
      versions: [
        {
          version_id: versionId,
          content_hash: (published.payload as { content_hash: string }).content_hash,
          run_id: published.run_id,
          seq: published.seq,
          hash: published.hash,
          published_at: published.recorded_at,
          supersedes: null,
          artifacts: payload(id).artifacts,
          catalogs,
          reused_by: [],
        },
      ],
      runs: [
        {
          run_id: published.run_id,
          status: 'succeeded',
          stage: 'promote',
          first_seq: events[0]!.seq,
          last_seq: events.at(-1)!.seq,
          version_id: versionId,
          promotion: {
            seq: published.seq,
            hash: published.hash,
            outcome: 'published',
            version_id: versionId,
            reasons: [],
          },
        },
      ],
    };
    const edges = [
      { from: `source:${capture.source_uri}`, to: `raw:${capture.path}`, label: 'captured' },
      {
        from: `validation:${published.run_id}/${validation.seq}`,
        to: `version:${versionId}`,
        label: 'published',
      },
      ...catalogs.map((c) => ({ from: `version:${versionId}`, to: `catalog:${c.path}`, label: c.kind })),
    ];
    for (const [target, asked] of [
      [id, null],
      [`${id}@${versionId}`, versionId],
    ] as const) {
      const body = expectJson(await get(`/lineage/${target}`), 200, 'Lineage') as {
        graph: { edges: unknown[] };
      };
      expect(body).toMatchObject({ ...expected, version_id: asked });
      expect(body.graph.edges).toEqual(expect.arrayContaining(edges));
    }
  });
});

describe('the STAC catalog, served where its self links say', () => {
  const SPATIAL = ['ks_mesonet_stations', 'ks_archaeological_sites'] as const;
  const catalogFile = (id: string, path: string) =>
    JSON.parse(readFileSync(join(root, 'data', 'catalog', 'stac', id, path), 'utf8')) as {
      links: { rel: string; href: string }[];
    };

  it.each(SPATIAL)(
    '%s: the collection and its items are the catalog files, each at its self URL',
    async (id) => {
      const collection = catalogFile(id, 'collection.json');
      const self = new URL(collection.links.find((l) => l.rel === 'self')!.href);
      expect(self.pathname).toBe(`/datasets/${id}/stac/collection.json`);
      expect(expectJson(await get(self.pathname), 200, 'StacDocument')).toEqual(collection);
      const items = collection.links.filter((l) => l.rel === 'item');
      expect(items).toHaveLength(1);
      for (const link of items) {
        // The relative link resolves, against the collection's URL, to the item's URL on the API.
        const url = new URL(link.href, self);
        const item = catalogFile(id, link.href);
        expect(item.links.find((l) => l.rel === 'self')!.href).toBe(url.href);
        expect(expectJson(await get(url.pathname), 200, 'StacDocument')).toEqual(item);
      }
    },
  );

  it('has no STAC for a dataset that is not spatial, nor an item under another name', async () => {
    expect((await get('/datasets/ks_county_population/stac/collection.json')).status).toBe(404);
    const v = payload('ks_mesonet_stations').version_id;
    const wrong = await get(`/datasets/ks_mesonet_stations/stac/items/${v}/other.json`);
    expect(wrong.status).toBe(404);
    expect(validate('Error', wrong.json())).toEqual([]);
  });
});

describe('?as_of=<seq>: the API at a past point of the ledger', () => {
  // The demo promotes ks_mesonet_stations first: just before its version.published, no dataset
  // has a version yet.
  const lastBeforePublish = () => published.get('ks_mesonet_stations')!.seq - 1;

  it('GET /datasets reads the ledger as it stood after that seq', async () => {
    const body = expectJson(await get(`/datasets?as_of=${lastBeforePublish()}`), 200, 'DatasetList') as {
      datasets: { dataset_id: string; latest_version: unknown; versions: number }[];
      ledger_head: { seq: number };
    };
    expect(body.ledger_head.seq).toBe(lastBeforePublish());
    expect(body.datasets.map((d) => [d.dataset_id, d.latest_version, d.versions])).toEqual(
      [...published.keys()].sort().map((id) => [id, null, 0]),
    );
  });

  it('GET /lineage/{id} says which point it was asked for; a version not yet published is NOT_FOUND', async () => {
    const body = expectJson(
      await get(`/lineage/ks_mesonet_stations?as_of=${lastBeforePublish()}`),
      200,
      'Lineage',
    ) as {
      as_of: unknown;
      versions: unknown[];
    };
    expect(body.as_of).toEqual({ seq: lastBeforePublish(), requested: String(lastBeforePublish()) });
    expect(body.versions).toEqual([]);
    const version = await get(`${versionPath('ks_mesonet_stations')}?as_of=${lastBeforePublish()}`);
    expect([version.status, version.json().code]).toEqual([404, 'NOT_FOUND']);
    const at = await get(
      `${versionPath('ks_mesonet_stations')}?as_of=${published.get('ks_mesonet_stations')!.seq}`,
    );
    expect(at.status).toBe(200);
  });

  it.each(['0', '01', '-1', '1.5', 'abc', '', '99999999999999999'])(
    'as_of=%j is BAD_REQUEST',
    async (asOf) => {
      const body = expectJson(await get(`/datasets?as_of=${asOf}`), 400, 'Error');
      expect(body.code).toBe('BAD_REQUEST');
    },
  );

  it('as_of past the head is BAD_REQUEST, naming the range', async () => {
    const seq = (head as { seq: number }).seq;
    const body = expectJson(await get(`/datasets?as_of=${seq + 1}`), 400, 'Error');
    expect(body).toEqual({
      code: 'BAD_REQUEST',
      message: `as_of must be the seq of an event in the ledger (1 to ${seq})`,
      details: { as_of: String(seq + 1) },
    });
  });
});

describe('sensitive-location data (ks_archaeological_sites, 0.1° in the registry)', () => {
  const onGrid = (n: number) => Number.isInteger(n) || Math.abs(n * 10 - Math.round(n * 10)) < 1e-9;
  const numbers = (value: unknown): number[] =>
    typeof value === 'number'
      ? [value]
      : value !== null && typeof value === 'object'
        ? Object.values(value).flatMap(numbers)
        : [];

  it('serves no coordinate finer than the registry precision, in the artifact or any JSON answer', async () => {
    const id = 'ks_archaeological_sites';
    const artifact = await get(`${versionPath(id)}/artifacts/sites.geojson`);
    expect(artifact.status).toBe(200);
    const geojson = JSON.parse(artifact.text) as { features: { geometry: { coordinates: number[] } }[] };
    const coordinates = geojson.features.flatMap((f) => f.geometry.coordinates);
    expect(coordinates.length).toBeGreaterThan(0);
    expect(coordinates.filter((c) => !onGrid(c))).toEqual([]);
    for (const path of [
      `/datasets/${id}`,
      versionPath(id),
      `${versionPath(id)}/provenance`,
      `/lineage/${id}`,
      '/datasets',
    ]) {
      const body = (await get(path)).json();
      expect(
        numbers(body).filter((n) => !onGrid(n)),
        path,
      ).toEqual([]);
    }
    const dcat = (await get(`/datasets/${id}`)).json<{ dcat: { spatial: string } }>().dcat;
    expect(
      dcat.spatial
        .split(',')
        .map(Number)
        .filter((n) => !onGrid(n)),
    ).toEqual([]);
  });

  it('names the generalization applied in the provenance bundle', async () => {
    const body = (await get(`${versionPath('ks_archaeological_sites')}/provenance`)).json<{
      generalizations: { name: string; params: { precision_deg: number } }[];
    }>();
    expect(body.generalizations.map((g) => [g.name, g.params.precision_deg])).toEqual([
      ['generalize_geometry', 0.1],
    ]);
  });
});

describe('GET /healthz', () => {
  it('reports the head and the start-up verification; ?verify=1 verifies again', async () => {
    const body = expectJson(await get('/healthz'), 200, 'Health') as {
      status: string;
      ledger: { head: unknown };
      verification: { ok: boolean; covers_head: boolean; events: number };
    };
    expect(body.status).toBe('ok');
    expect(body.ledger.head).toEqual(head);
    expect(body.verification).toMatchObject({ ok: true, covers_head: true });
    const again = expectJson(await get('/healthz?verify=1'), 200, 'Health') as typeof body;
    expect(again.verification.events).toBe(body.verification.events);
  });
});
