import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken, TokenStore } from '../../src/serve/tokens.js';
import { useDemoRoots } from '../support/demo-root.js';
import { PROJECT } from '../support/examples.js';
import { kfm } from '../support/kfm-cli.js';
import {
  http,
  promoteDataset,
  sha256,
  startTestServer,
  type TestServer,
  writeRegistry,
} from '../support/serve-http.js';

// Restricted data behind bearer tokens: a fresh root whose ks_county_population is registered as
// `restricted` (labels restricted-demographics, census) and promoted through the real CLI, so its
// version.published records the restricted class; ks_mesonet_stations is registered, not promoted.

const dir = useDemoRoots('serve-policy');
const RESTRICTED = 'ks_county_population';
const analyst = createToken(['restricted-demographics'], 'analyst');
const other = createToken(['open-data'], 'other');
const stranger = createToken(['restricted-demographics'], 'stranger'); // right role, never configured
let root: string;
let server: TestServer;
let versionId: string;
let artifact: { path: string; sha256: string };

const get = (path: string, token?: string) => http(server.url, path, token === undefined ? {} : { token });

beforeAll(async () => {
  root = join(dir(), 'root');
  const init = await kfm(root, ['init']);
  if (init.status !== 0) throw new Error(init.stderr);
  cpSync(
    join(PROJECT, 'data', 'registry', 'ks_mesonet_stations.yml'),
    join(root, 'data', 'registry', 'ks_mesonet_stations.yml'),
  );
  const yaml = readFileSync(join(PROJECT, 'data', 'registry', `${RESTRICTED}.yml`), 'utf8')
    .replace('sensitivity: public', 'sensitivity: restricted')
    .replace('policy_labels: [open-data]', 'policy_labels: [restricted-demographics, census]');
  writeRegistry(root, RESTRICTED, yaml);
  const promoted = await promoteDataset(root, RESTRICTED);
  versionId = promoted.version_id as string;
  server = await startTestServer({ root, tokens: new TokenStore([analyst.record, other.record]) });
  const version = (await get(`/datasets/${RESTRICTED}/versions/${versionId}`, analyst.token)).json<{
    artifacts: { path: string; sha256: string }[];
  }>();
  artifact = version.artifacts[0]!;
});

afterAll(() => server?.close());

const routes = () => [
  `/datasets/${RESTRICTED}`,
  `/datasets/${RESTRICTED}/versions/${versionId}`,
  `/datasets/${RESTRICTED}/versions/${versionId}/artifacts/${artifact.path}`,
  `/datasets/${RESTRICTED}/versions/${versionId}/provenance`,
  `/lineage/${RESTRICTED}`,
  `/lineage/${RESTRICTED}@${versionId}`,
];
/** The same routes for a dataset and a version that do not exist. */
const unknownRoutes = () => [
  '/datasets/ks_no_such_dataset',
  '/datasets/ks_no_such_dataset/versions/v0123456789abcdef',
  `/datasets/ks_no_such_dataset/versions/v0123456789abcdef/artifacts/${artifact.path}`,
  '/datasets/ks_no_such_dataset/versions/v0123456789abcdef/provenance',
  '/lineage/ks_no_such_dataset',
  `/lineage/${RESTRICTED}@v0123456789abcdef`,
];

describe('a restricted dataset', () => {
  it('is published with the restricted class recorded in its version', async () => {
    const version = (await get(`/datasets/${RESTRICTED}/versions/${versionId}`, analyst.token)).json<{
      registry: { sensitivity: string };
    }>();
    expect(version.registry.sensitivity).toBe('restricted');
  });

  it('is not listed without a token, nor for a token without an allowed role', async () => {
    for (const token of [undefined, other.token]) {
      const list = (await get('/datasets', token)).json<{
        datasets: { dataset_id: string; latest_version: unknown }[];
      }>();
      expect(list.datasets).toEqual([
        expect.objectContaining({ dataset_id: 'ks_mesonet_stations', latest_version: null }),
      ]);
    }
    const list = (await get('/datasets', analyst.token)).json<{ datasets: { dataset_id: string }[] }>();
    expect(list.datasets.map((d) => d.dataset_id)).toEqual([RESTRICTED, 'ks_mesonet_stations']);
  });

  it('without a token: 401 on every route, with exactly the answer an unknown dataset or version gets', async () => {
    const unknown = await get('/datasets/ks_no_such_dataset');
    expect(unknown.status).toBe(401);
    expect(unknown.json()).toEqual({ code: 'AUTH_REQUIRED', message: expect.any(String), details: {} });
    expect(unknown.headers['www-authenticate']).toBe('Bearer realm="kfm"');
    for (const path of [...routes(), ...unknownRoutes()]) {
      const answer = await get(path);
      expect([path, answer.status, answer.text]).toEqual([path, 401, unknown.text]);
      expect(answer.headers['www-authenticate']).toBe('Bearer realm="kfm"');
    }
  });

  it('with a valid token whose roles are not among its labels: 403, the answer an unknown dataset gets', async () => {
    const unknown = await get('/datasets/ks_no_such_dataset', other.token);
    expect(unknown.status).toBe(403);
    expect(unknown.json().code).toBe('FORBIDDEN');
    for (const path of [...routes(), ...unknownRoutes()]) {
      const answer = await get(path, other.token);
      expect([path, answer.status, answer.text]).toEqual([path, 403, unknown.text]);
    }
  });

  it('with a wrong token: 401 TOKEN_INVALID whatever is asked, public routes included', async () => {
    for (const token of [stranger.token, `${analyst.token}x`, 'not-a-kfm-token']) {
      for (const path of [...routes(), '/datasets', '/datasets/ks_mesonet_stations', '/healthz']) {
        const answer = await get(path, token);
        expect([path, answer.status, answer.json().code]).toEqual([path, 401, 'TOKEN_INVALID']);
        expect(answer.headers['www-authenticate']).toBe('Bearer realm="kfm", error="invalid_token"');
      }
    }
    const malformed = await http(server.url, '/datasets', {
      headers: { authorization: 'Basic YWxhZGRpbjpvcGVu' },
    });
    expect(malformed.json().code).toBe('TOKEN_INVALID');
  });

  it('its STAC routes refuse as every route does, before saying it has no STAC (it is not spatial)', async () => {
    const stac = [
      `/datasets/${RESTRICTED}/stac/collection.json`,
      `/datasets/${RESTRICTED}/stac/items/${versionId}/${RESTRICTED}-${versionId}.json`,
    ];
    const unknown = {
      none: (await get('/datasets/ks_no_such_dataset/stac/collection.json')).text,
      other: (await get('/datasets/ks_no_such_dataset/stac/collection.json', other.token)).text,
    };
    for (const path of stac) {
      const [none, wrongRole, right] = [
        await get(path),
        await get(path, other.token),
        await get(path, analyst.token),
      ];
      expect([none.status, none.text]).toEqual([401, unknown.none]);
      expect([wrongRole.status, wrongRole.text]).toEqual([403, unknown.other]);
      expect([right.status, right.json().code]).toEqual([404, 'NOT_FOUND']);
    }
  });

  it('with the right token: every route answers, privately (Cache-Control: private, no-store)', async () => {
    for (const path of routes()) {
      const answer = await get(path, analyst.token);
      expect([path, answer.status]).toEqual([path, 200]);
      expect(answer.headers['cache-control']).toBe('private, no-store');
    }
    const bytes = await get(routes()[2]!, analyst.token);
    expect(sha256(bytes.body)).toBe(artifact.sha256);
    expect(bytes.headers.etag).toBe(`"${artifact.sha256}"`);
    const folder = join(root, 'data', 'processed', RESTRICTED, versionId);
    expect(readFileSync(join(folder, 'checksums.sha256'), 'utf8')).toBe(
      `${artifact.sha256}  ${artifact.path}\n`,
    );
  });

  it('a version it does not have is 404 for the authorised caller only', async () => {
    const answer = await get(`/datasets/${RESTRICTED}/versions/v0123456789abcdef`, analyst.token);
    expect(answer.status).toBe(404);
    expect(answer.json().code).toBe('NOT_FOUND');
  });

  it('logs each refusal as JSON with the token id at most: never a token, never the Authorization header', async () => {
    const from = server.logs.length;
    const path = routes()[0]!;
    await get(path, other.token);
    await get(path);
    for (const token of [stranger.token, `${analyst.token}x`]) await get(path, token);
    await http(server.url, path, { headers: { authorization: 'Basic YWxhZGRpbjpvcGVu' } });
    const refusals = server.logs.slice(from).filter((l) => l.msg === 'refused');
    expect(refusals.map((l) => [l.code, l.status, l.caller, l.token_id])).toEqual([
      ['FORBIDDEN', 403, 'token', 'other'],
      ['AUTH_REQUIRED', 401, 'anonymous', undefined],
      ['TOKEN_INVALID', 401, 'invalid', undefined],
      ['TOKEN_INVALID', 401, 'invalid', undefined],
      ['TOKEN_INVALID', 401, 'invalid', undefined],
    ]);
    expect(refusals.every((l) => l.level === 'warn' && l.path === path)).toBe(true);
    const text = server.logText();
    for (const secret of [analyst.token, other.token, stranger.token, 'YWxhZGRpbjpvcGVu', 'Bearer'])
      expect(text).not.toContain(secret);
  });
});
