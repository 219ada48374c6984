import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { get as httpGet, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
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

interface Promotion {
  /** What the readers met while the promotion ran. */
  problems: string[];
  rounds: number;
  seen: string[];
  /** The dataset as listed once the promotion was over. */
  after: { latest_version: string; versions: { supersedes: string | null }[] };
  version: string;
  /** The big artifact's sha256, bytes and URL path (its name is the upstream file's). */
  artifact: { sha256: string; bytes: number; path: string };
}

/**
 * A promotion of the big table while readers walk every listed version and artifact: what each
 * test below reads, made before any of them runs.
 */
async function promoteWhileReading(server: TestServer): Promise<Promotion> {
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
  const version = promoted.version_id as string;
  const after = (await http(server.url, `/datasets/${ID}`)).json<Promotion['after']>();
  const [artifact] = (await http(server.url, `/datasets/${ID}/versions/${version}`)).json<{
    artifacts: { sha256: string; bytes: number; links: { self: string } }[];
  }>().artifacts;
  return {
    problems,
    rounds,
    seen: [...seen],
    after,
    version,
    artifact: { sha256: artifact!.sha256, bytes: artifact!.bytes, path: artifact!.links.self },
  };
}

let promotion: Promotion;
beforeAll(async () => {
  root = await dir.pristine();
  const server = await startTestServer({ root });
  try {
    promotion = await promoteWhileReading(server);
  } finally {
    await server.close();
  }
});

describe('readers while a connector promotes a new version', () => {
  it('see only whole versions: every listed version is served with its recorded bytes', () => {
    expect(promotion.problems).toEqual([]);
    expect(promotion.rounds).toBeGreaterThan(1);
    expect(promotion.after.latest_version).toBe(promotion.version);
    expect(promotion.after.versions.at(-1)?.supersedes).toBe(promotion.seen[0]);
    expect(promotion.artifact.bytes).toBeGreaterThan(15_000_000);
  });
});

describe('a graceful stop', () => {
  it('finishes the in-flight response, refuses new connections, then closes', async () => {
    const server = await startTestServer({ root });
    const order: string[] = [];
    server.server.on('request', (_req, res: ServerResponse) =>
      res.on('finish', () => order.push('response sent')),
    );
    const inflight = await pausedGet(`${server.url}${promotion.artifact.path}`);
    expect(inflight.res.statusCode).toBe(200);
    const closing = server.close().then(() => order.push('closed'));
    // It stops listening at once, while the paused response (far larger than the socket buffers)
    // cannot have been sent.
    expect(server.server.listening).toBe(false);
    await expect(http(server.url, '/healthz')).rejects.toThrow(/ECONNREFUSED/);
    expect(order).toEqual([]);
    const body = await inflight.body();
    expect(body.length).toBe(Number(inflight.res.headers['content-length']));
    expect(createHash('sha256').update(body).digest('hex')).toBe(promotion.artifact.sha256);
    await closing;
    expect(order).toEqual(['response sent', 'closed']);
    expect(server.logs.at(-1)).toMatchObject({ msg: 'stopped' });
  });
});

describe('kfm serve --port 0, stopped with SIGTERM', () => {
  it('serves with tokens from a file, finishes the in-flight response on SIGTERM and exits 0', async () => {
    const tokens = join(dir(), 'tokens.json');
    const { token, record } = createToken(['census'], 'ci');
    writeFileSync(tokens, JSON.stringify([record]));
    const { url: base, child, stderr, exited, logged } = await spawnServe(root, ['--tokens', tokens]);
    expect((await http(base, '/healthz')).json()).toMatchObject({ status: 'ok' });
    expect((await http(base, '/datasets', { token })).status).toBe(200);
    const inflight = await pausedGet(`${base}${promotion.artifact.path}`);
    expect(inflight.res.statusCode).toBe(200);
    child.kill('SIGTERM');
    // The response is read only once the server says it is stopping.
    await logged('stopping');
    const body = await inflight.body();
    expect(createHash('sha256').update(body).digest('hex')).toBe(promotion.artifact.sha256);
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
