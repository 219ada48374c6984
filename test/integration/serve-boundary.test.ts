import { chmodSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useDemoRoots } from '../support/demo-root.js';
import {
  dropAppendOnlyTriggers,
  editBody,
  ledgerEvents,
  readRow,
  withLedgerFile,
} from '../support/ledger-file.js';
import { http, startTestServer, type TestServer, writeRegistry } from '../support/serve-http.js';

// The policy boundary against hostile paths and a root that has been tampered with: a demo root,
// changed after the fact, served in-process. Nothing here may ever answer 200 with bytes from
// outside data/processed or with a file that is not the one its version recorded.

const dir = useDemoRoots('serve-boundary');
const STATIONS = 'ks_mesonet_stations';
const POPULATION = 'ks_county_population';
let root: string;
let server: TestServer;
const versions = new Map<
  string,
  { version_id: string; run_id: string; artifact: string; event: Record<string, unknown> }
>();

const get = (path: string, token?: string) => http(server.url, path, token === undefined ? {} : { token });
const folderOf = (id: string) => join(root, 'data', 'processed', id, versions.get(id)!.version_id);
const artifactPath = (id: string, name = versions.get(id)!.artifact) =>
  `/datasets/${id}/versions/${versions.get(id)!.version_id}/artifacts/${name}`;

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
  // stations: the artifact replaced by a symlink to the raw capture (same bytes, same sha256).
  const stations = folderOf(STATIONS);
  chmodSync(stations, 0o755);
  const raw = join(root, 'data', 'raw', STATIONS, versions.get(STATIONS)!.run_id, 'stations.geojson');
  rmSync(join(stations, 'stations.geojson'));
  symlinkSync(raw, join(stations, 'stations.geojson'));
  // population: the artifact's bytes changed in place, same size.
  const population = join(folderOf(POPULATION), versions.get(POPULATION)!.artifact);
  chmodSync(folderOf(POPULATION), 0o755);
  chmodSync(population, 0o644);
  const text = readFileSync(population, 'utf8');
  writeFileSync(population, text.replace('Riley', 'Rilez'));
  // a registered dataset without a sensitivity class.
  writeRegistry(
    root,
    'ks_unclassified',
    readFileSync(join(root, 'data', 'registry', `${STATIONS}.yml`), 'utf8')
      .replace(`dataset_id: ${STATIONS}`, 'dataset_id: ks_unclassified')
      .replace('sensitivity: public\n', ''),
  );
  server = await startTestServer({ root, verifyMinIntervalMs: 0 });
});

afterAll(() => server?.close());

describe('traversal attempts', () => {
  const V = () => `/datasets/${STATIONS}/versions/${versions.get(STATIONS)!.version_id}/artifacts`;
  const run = () => versions.get(STATIONS)!.run_id;
  const attempts = () => [
    `${V()}/..%2f..%2f..%2fraw%2f${STATIONS}%2f${run()}%2fstations.geojson`,
    `${V()}/..%2F..%2F..%2Fwork`,
    `${V()}/%2e%2e%2f%2e%2e%2f%2e%2e%2fraw%2f${STATIONS}%2f${run()}%2fstations.geojson`,
    `${V()}/%2e%2e/%2e%2e/%2e%2e/raw/${STATIONS}/${run()}/stations.geojson`,
    `${V()}/%252e%252e%252f%252e%252e%252fraw`,
    `${V()}/..%5c..%5c..%5craw`,
    `${V()}/..\\..\\..\\raw`,
    `${V()}/../../../raw/${STATIONS}/${run()}/stations.geojson`,
    `/datasets/${STATIONS}/../../raw/${STATIONS}/manifest.yml`,
    `/datasets/..%2f..%2fraw`,
    '//etc/passwd',
    `${V()}/stations.geojson%00.txt`,
  ];

  it('are refused with PATH_REFUSED before any lookup, and logged', async () => {
    for (const path of attempts()) {
      const answer = await get(path);
      expect([path, answer.status, answer.json().code]).toEqual([path, 400, 'PATH_REFUSED']);
      expect(answer.text).not.toContain('FeatureCollection');
    }
    const logged = server.logs.filter((l) => l.code === 'PATH_REFUSED');
    expect(logged.length).toBeGreaterThanOrEqual(attempts().length);
    expect(logged[0]).toMatchObject({
      level: 'warn',
      msg: 'refused',
      status: 400,
      reason: expect.any(String),
    });
  });

  it('cannot reach files of the processed zone that the version did not record', async () => {
    for (const [name, status, code] of [
      ['checksums.sha256', 404, 'NOT_FOUND'],
      ['.', 400, 'PATH_REFUSED'],
      ['manifest.yml', 404, 'NOT_FOUND'],
    ] as const) {
      const answer = await get(artifactPath(POPULATION, name));
      expect([name, answer.status, answer.json().code]).toEqual([name, status, code]);
    }
    expect((await get('/datasets/ks_mesonet_stations/versions/v00000000000000ff/artifacts/x')).status).toBe(
      404,
    );
  });
});

describe('a tampered processed zone', () => {
  it('refuses an artifact that is a symlink (even to a file with the recorded bytes)', async () => {
    const answer = await get(artifactPath(STATIONS));
    expect(answer.status).toBe(500);
    expect(answer.json().code).toBe('ARTIFACT_INTEGRITY');
    expect(answer.text).not.toContain('FeatureCollection');
    expect(server.logs.find((l) => l.reason === 'artifact is a symlink')).toMatchObject({ level: 'error' });
  });

  it('refuses an artifact whose bytes no longer have the recorded sha256', async () => {
    const answer = await get(artifactPath(POPULATION));
    expect([answer.status, answer.json().code]).toEqual([500, 'ARTIFACT_INTEGRITY']);
    expect(answer.text).not.toContain('Rilez');
  });

  it('hides a version whose folder became a symlink', async () => {
    const folder = folderOf(POPULATION);
    renameSync(folder, `${folder}.moved`);
    symlinkSync(`${folder}.moved`, folder);
    try {
      expect(
        (await get(`/datasets/${POPULATION}/versions/${versions.get(POPULATION)!.version_id}`)).status,
      ).toBe(404);
      expect((await get(artifactPath(POPULATION))).status).toBe(404);
    } finally {
      rmSync(folder);
      renameSync(`${folder}.moved`, folder);
    }
  });
});

describe('classification', () => {
  it('does not serve a dataset whose registry entry lacks a class: same answer as an unknown one', async () => {
    const unknown = await get('/datasets/ks_no_such_dataset');
    const unclassified = await get('/datasets/ks_unclassified');
    expect([unclassified.status, unclassified.text]).toEqual([401, unknown.text]);
    const list = (await get('/datasets')).json<{ datasets: { dataset_id: string }[] }>();
    expect(list.datasets.map((d) => d.dataset_id)).not.toContain('ks_unclassified');
  });
});

describe('bad requests get a JSON error with a stable code', () => {
  it.each([
    ['an unknown route', '/raw', {}, 404, 'NOT_FOUND'],
    [
      'a version a public dataset does not have',
      `/datasets/${STATIONS}/versions/v0000000000000000`,
      {},
      404,
      'NOT_FOUND',
    ],
    ['a malformed percent-escape', '/datasets/%zz', {}, 400, 'BAD_REQUEST'],
    ['a POST', '/datasets', { method: 'POST' }, 405, 'METHOD_NOT_ALLOWED'],
    ['a DELETE', `/datasets/${STATIONS}`, { method: 'DELETE' }, 405, 'METHOD_NOT_ALLOWED'],
    ['a GET with a body', '/datasets', { body: 'x'.repeat(10) }, 413, 'BODY_NOT_ALLOWED'],
    ['a 3000-character target', `/datasets/${'a'.repeat(3000)}`, {}, 414, 'URI_TOO_LONG'],
  ])('%s', async (_name, path, options, status, code) => {
    const answer = await http(server.url, path, options);
    expect(answer.status).toBe(status);
    expect(answer.json()).toEqual({ code, message: expect.any(String), details: {} });
    if (code === 'METHOD_NOT_ALLOWED') expect(answer.headers.allow).toBe('GET, HEAD');
  });

  it('refuses header fields larger than the limit with 431', async () => {
    const answer = await http(server.url, '/datasets', { headers: { 'x-padding': 'x'.repeat(16 * 1024) } });
    expect([answer.status, answer.json().code]).toEqual([431, 'HEADERS_TOO_LARGE']);
  });

  it('disconnects a client that never finishes its headers with 408 (bounded request time)', async () => {
    const tight = await startTestServer({ root, limits: { headersTimeoutMs: 300, requestTimeoutMs: 600 } });
    try {
      const socket = connect(Number(new URL(tight.url).port), '127.0.0.1');
      socket.write('GET /datasets HTTP/1.1\r\nHost: x\r\nX-Slow: ');
      const reply = await new Promise<string>((resolve) => {
        let text = '';
        socket.on('data', (c: Buffer) => {
          text += c.toString();
        });
        socket.on('close', () => resolve(text));
      });
      expect(reply).toMatch(/^HTTP\/1\.1 408 /);
      expect(reply).toContain('"code":"REQUEST_TIMEOUT"');
    } finally {
      await tight.close();
    }
  });

  it('logs every refusal as JSON with its code, and the start-up verification', async () => {
    const from = server.logs.length;
    await get('/raw');
    await http(server.url, '/datasets', { method: 'POST' });
    await get('/datasets/%zz');
    await http(server.url, '/datasets', { headers: { 'x-padding': 'x'.repeat(16 * 1024) } });
    const refused = server.logs.slice(from).filter((l) => l.msg === 'refused');
    expect(refused.map((l) => [l.level, l.code, l.status])).toEqual([
      ['warn', 'NOT_FOUND', 404],
      ['warn', 'METHOD_NOT_ALLOWED', 405],
      ['warn', 'BAD_REQUEST', 400],
      ['warn', 'HEADERS_TOO_LARGE', 431],
    ]);
    expect(server.logs.find((l) => l.msg === 'chain verified')).toMatchObject({ ok: true });
  });
});

describe('the ledger under the server', () => {
  it('turns /healthz to 503 once a verification finds a tampered event', async () => {
    // A root and a server of its own: the other tests read the shared root's ledger untampered.
    const tampered = await dir.pristine();
    const own = await startTestServer({ root: tampered, verifyMinIntervalMs: 0 });
    const seq = ledgerEvents(tampered, { type: 'version.published', dataset_id: POPULATION })[0]!.seq;
    withLedgerFile(join(tampered, 'ledger', 'kfm.sqlite'), (db) => {
      dropAppendOnlyTriggers(db);
      const body = editBody(readRow(db, seq).body, '"sensitivity":"public"', '"sensitivity":"restricted"');
      db.prepare('UPDATE events SET body = ? WHERE seq = ?').run(body, seq);
    });
    const answer = await http(own.url, '/healthz?verify=1').finally(() => own.close());
    expect(answer.status).toBe(503);
    expect(answer.json()).toMatchObject({
      status: 'failing',
      verification: {
        ok: false,
        failures: [{ seq, code: 'BODY_HASH_MISMATCH', message: expect.any(String) }],
      },
    });
  });
});
