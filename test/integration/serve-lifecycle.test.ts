import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../src/serve/tokens.js';
import { useDemoRoots } from '../support/demo-root.js';
import {
  http,
  promoteDataset,
  sha256,
  spawnServe,
  startTestServer,
  type TestServer,
} from '../support/serve-http.js';

// The server's life beside a working connector: readers while a promotion appends and renames a
// version into place, a graceful stop that lets an in-flight response finish (in-process, and as
// `kfm serve` stopped by SIGTERM), over a version whose artifact is large enough (~20 MB) to still
// be streaming when the stop comes.

const dir = useDemoRoots('serve-lifecycle');
const ID = 'ks_county_population';
let root: string;
let server: TestServer;
let bigVersion: string;
let bigSha: string;
/** The big artifact's URL path (its name is the upstream file's). */
let bigPath: string;

/** A valid county CSV of 20 000 rows with long county names: ~20 MB. */
function writeBigCsv(path: string): void {
  const lines = ['county,fips,year,population'];
  for (let fips = 20000; fips < 21000; fips++)
    for (let year = 2000; year < 2020; year++)
      lines.push(`County ${'x'.repeat(1000)},${fips},${year},${fips + year}`);
  writeFileSync(path, `${lines.join('\n')}\n`);
}

/** Starts a GET whose body the test reads only when told, so the response stays in flight. */
function pausedGet(url: string): Promise<{ res: IncomingMessage; body: () => Promise<Buffer> }> {
  return new Promise((resolve, reject) => {
    httpGet(url, { agent: false }, (res) => {
      res.pause();
      const body = () =>
        new Promise<Buffer>((done, fail) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => done(Buffer.concat(chunks)));
          res.on('error', fail);
          res.resume();
        });
      resolve({ res, body });
    }).on('error', reject);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  root = await dir.pristine();
  server = await startTestServer({ root });
});

afterAll(() => server?.close());

describe('readers while a connector promotes a new version', () => {
  it('see only whole versions: every listed version is served with its recorded bytes', async () => {
    const csv = join(dir(), 'big.csv');
    writeBigCsv(csv);
    const registry = join(root, 'data', 'registry', `${ID}.yml`);
    // Many times the demo's rows: a change the profile check must be told about (README "Data profiles").
    const explained = 'profile_version: 2\nprofile_explanation: a load test publishes a far larger table\n';
    writeFileSync(
      registry,
      `${readFileSync(registry, 'utf8').replace(/uri: .*/, `uri: file://${csv}`)}${explained}`,
    );
    let promoting = true;
    const seen = new Set<string>();
    const problems: string[] = [];
    let rounds = 0;
    const reader = (async () => {
      while (promoting) {
        rounds++;
        const list = await http(server.url, `/datasets/${ID}`);
        if (list.status !== 200) problems.push(`dataset ${list.status}`);
        for (const v of list.json<{ versions: { version_id: string }[] }>().versions) {
          seen.add(v.version_id);
          const version = await http(server.url, `/datasets/${ID}/versions/${v.version_id}`);
          for (const a of version.json<{ artifacts: { path: string; sha256: string }[] }>().artifacts) {
            const bytes = await http(
              server.url,
              `/datasets/${ID}/versions/${v.version_id}/artifacts/${a.path}`,
            );
            if (bytes.status !== 200 || sha256(bytes.body) !== a.sha256)
              problems.push(`${v.version_id}/${a.path} ${bytes.status}`);
          }
        }
      }
    })();
    const promoted = await promoteDataset(root, ID).finally(() => {
      promoting = false;
    });
    await reader;
    expect(problems).toEqual([]);
    expect(rounds).toBeGreaterThan(1);
    bigVersion = promoted.version_id as string;
    const after = (await http(server.url, `/datasets/${ID}`)).json<{
      latest_version: string;
      versions: { supersedes: string | null }[];
    }>();
    expect(after.latest_version).toBe(bigVersion);
    expect(after.versions.at(-1)?.supersedes).toBe([...seen][0]);
    const version = (await http(server.url, `/datasets/${ID}/versions/${bigVersion}`)).json<{
      artifacts: { sha256: string; bytes: number; links: { self: string } }[];
    }>();
    bigSha = version.artifacts[0]!.sha256;
    bigPath = version.artifacts[0]!.links.self;
    expect(version.artifacts[0]!.bytes).toBeGreaterThan(15_000_000);
  });
});

describe('a graceful stop', () => {
  it('finishes the in-flight response, refuses new connections, then closes', async () => {
    const inflight = await pausedGet(`${server.url}${bigPath}`);
    expect(inflight.res.statusCode).toBe(200);
    let closed = false;
    const closing = server.close().then(() => {
      closed = true;
    });
    await sleep(300);
    expect(closed).toBe(false);
    await expect(http(server.url, '/healthz')).rejects.toThrow(/ECONNREFUSED/);
    const body = await inflight.body();
    expect(body.length).toBe(Number(inflight.res.headers['content-length']));
    expect(createHash('sha256').update(body).digest('hex')).toBe(bigSha);
    await closing;
    expect(closed).toBe(true);
    expect(server.logs.at(-1)).toMatchObject({ msg: 'stopped' });
  });
});

describe('kfm serve --port 0, stopped with SIGTERM', () => {
  it('serves with tokens from a file, finishes the in-flight response on SIGTERM and exits 0', async () => {
    const tokens = join(dir(), 'tokens.json');
    const { token, record } = createToken(['census'], 'ci');
    writeFileSync(tokens, JSON.stringify([record]));
    const { url: base, child, stderr, exited } = await spawnServe(root, ['--tokens', tokens]);
    expect((await http(base, '/healthz')).json()).toMatchObject({ status: 'ok' });
    expect((await http(base, '/datasets', { token })).status).toBe(200);
    const inflight = await pausedGet(`${base}${bigPath}`);
    expect(inflight.res.statusCode).toBe(200);
    child.kill('SIGTERM');
    await sleep(300);
    const body = await inflight.body();
    expect(createHash('sha256').update(body).digest('hex')).toBe(bigSha);
    expect(await exited).toBe(0);
    const lines = stderr()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { msg: string });
    expect(lines.map((l) => l.msg)).toEqual(
      expect.arrayContaining(['chain verified', 'listening', 'stopping', 'stopped']),
    );
    expect(stderr()).not.toContain(token);
  });
});
