import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath } from '../support/examples.js';
import { type FlakyServer, startFlakyServer } from '../support/flaky-server.js';
import { type KfmRun, kfm, STACK_FRAME } from '../support/kfm-cli.js';
import { filesUnder } from '../support/promote-root.js';
import { useStageRoots } from '../support/stage-root.js';

// docs/design.md: "Secrets never appear in logs, receipts or events." One ingest → validate →
// promote of ks_mesonet_stations against a local HTTP upstream whose URI carries every kind of secret
// the scrubbers know, with the environment naming every kind of secret variable; then every byte the
// runs left (the ledger file and its WAL read raw, receipts, catalogs, versions, every other file
// under the root) and everything they printed is searched for each secret value.

const roots = useStageRoots('promises-secrets');
const STATIONS = readFileSync(fixturePath('ks_mesonet_stations'), 'utf8');
const PATH = '/stations.geojson';

/**
 * Secrets only the environment knows about: each value sits in a query parameter whose name is not
 * token-like, so only the environment rule can remove it. One variable per name pattern, and one in
 * lower case (names match case-insensitively).
 */
const ENV_SECRETS: Record<string, string> = {
  KFM_UPSTREAM_TOKEN: 'envtok-4e1a9c',
  STATIONS_API_KEY: 'envkey-7b2d5f',
  UPSTREAM_CLIENT_SECRET: 'envsec-3c8e1d',
  MESONET_PASSWORD: 'envpwd-9a4f2b',
  mesonet_private_key: 'envlow-6d3b8e',
};
/** Secrets only the URI carries: the userinfo password and token-like query parameters. */
const URL_SECRETS: Record<string, string> = {
  password: 'urlpwd-2f7c4a',
  token: 'qtok-8b1e6d',
  api_key: 'qkey-5c9a3f',
  access_token: 'qacc-1d4b7e',
  sig: 'qsig-7e2f9c',
  'X-Amz-Signature': 'qamz-4a8d1b',
};
const ALL_SECRETS = [...Object.values(ENV_SECRETS), ...Object.values(URL_SECRETS)];

/** `?p0=<env secret>&p1=…&token=…&api_key=…`: plain names for the env values, secret names for the rest. */
function queryOf(): string {
  const plain = Object.values(ENV_SECRETS).map((value, i) => `p${i}=${value}`);
  const named = Object.entries(URL_SECRETS)
    .filter(([name]) => name !== 'password')
    .map(([name, value]) => `${name}=${value}`);
  return [...plain, ...named].join('&');
}

let server: FlakyServer;
let root: string;
const runs: { args: string[]; run: KfmRun }[] = [];

beforeAll(async () => {
  server = await startFlakyServer({
    [PATH]: [{ kind: 'ok', body: STATIONS, headers: { 'content-type': 'application/geo+json' } }],
  });
  root = await roots.root();
  const uri = `http://reader:${URL_SECRETS.password}@${server.base.slice('http://'.length)}${PATH}?${queryOf()}`;
  // Outside the root: the operator's config holds the secrets by design; what kfm writes must not.
  const config = join(roots.dir(), 'upstream.json');
  writeFileSync(config, JSON.stringify({ upstream: { uri } }));
  const run = async (args: string[]): Promise<KfmRun> => {
    const done = await kfm(root, args, { env: ENV_SECRETS });
    runs.push({ args, run: done });
    return done;
  };
  const ds = 'ks_mesonet_stations';
  expect((await run(['ingest', ds, '--config', config, '--dry-run', '--log_json'])).status).toBe(0);
  const ingest = await run(['--json', 'ingest', ds, '--config', config, '--log_json']);
  expect(ingest.status, ingest.stderr).toBe(0);
  const runId = (JSON.parse(ingest.stdout) as { run_id: string }).run_id;
  for (const stage of ['validate', 'promote']) {
    const done = await run(['--json', stage, ds, '--run_id', runId, '--log_json']);
    expect(done.status, done.stderr).toBe(0);
  }
  // The same ingest again without --log_json: the human log lines are scrubbed too.
  expect((await run(['ingest', ds, '--config', config])).status).toBe(0);
  // And a failing one, both ways: its error names the URI it could not fetch, in the message, in the
  // --json error's details, and in the --debug stack trace.
  server.script(PATH, [{ kind: 'status', status: 404 }]);
  const failed = await run(['ingest', ds, '--config', config, '--log_json', '--debug']);
  expect(failed.status).toBe(4);
  expect(failed.stderr).toMatch(/\[UPSTREAM_FAILED\]$/m);
  expect(failed.stderr).toMatch(STACK_FRAME);
  const failedJson = await run(['--json', 'ingest', ds, '--config', config, '--log_json']);
  expect(failedJson.status).toBe(4);
  const failedPlan = await run(['--json', 'ingest', ds, '--config', config, '--dry-run']);
  expect(failedPlan.status).toBe(4);
  expect(JSON.parse(failedPlan.stdout)).toMatchObject({ code: 'UPSTREAM_FAILED' });
  expect(JSON.parse(failedJson.stdout)).toMatchObject({
    code: 'UPSTREAM_FAILED',
    details: { method: 'HEAD', status: 'failed', uri: expect.stringContaining('token=REDACTED') },
  });
});

afterAll(async () => {
  await server?.close();
});

describe('secrets passed to real stages', () => {
  it('did reach the upstream: the password as Basic auth, every query value as sent', () => {
    const requests = server.requestsTo(PATH);
    // HEAD of the dry run; HEAD + GET of each of the two ingests; the three HEADs answered 404.
    expect(requests.map((r) => r.method)).toEqual([
      'HEAD',
      'HEAD',
      'GET',
      'HEAD',
      'GET',
      'HEAD',
      'HEAD',
      'HEAD',
    ]);
    for (const request of requests) {
      expect(request.url).toBe(`${PATH}?${queryOf()}`);
      expect(request.headers.authorization).toBe(
        `Basic ${Buffer.from(`reader:${URL_SECRETS.password}`).toString('base64')}`,
      );
    }
  });

  it('appear in no stdout or stderr, with or without --log_json', () => {
    expect(runs.some((r) => r.args.includes('--log_json') && r.run.stderr.startsWith('{'))).toBe(true);
    for (const { args, run } of runs) {
      for (const secret of ALL_SECRETS) {
        expect(run.stdout, `stdout of kfm ${args.join(' ')}`).not.toContain(secret);
        expect(run.stderr, `stderr of kfm ${args.join(' ')}`).not.toContain(secret);
      }
    }
  });

  it('appear in no byte of any file under the root: ledger (and WAL), receipts, catalogs, versions', () => {
    const files = filesUnder(root);
    // The places the promise names are all there to be searched.
    expect(files).toContain('ledger/kfm.sqlite');
    expect(
      files.some((p) => /^data\/work\/ks_mesonet_stations\/runs\/[^/]+\/run_record\.json$/.test(p)),
    ).toBe(true);
    expect(files.some((p) => p.endsWith('/dry_run.json'))).toBe(true);
    expect(files.some((p) => p.endsWith('/validation_report.json'))).toBe(true);
    expect(files.some((p) => p.endsWith('/run_manifest.json'))).toBe(true);
    expect(files.some((p) => p.startsWith('data/catalog/') && p.includes('dcat'))).toBe(true);
    expect(files.some((p) => p.startsWith('data/catalog/') && p.includes('prov'))).toBe(true);
    expect(files.some((p) => p.startsWith('data/processed/ks_mesonet_stations/v'))).toBe(true);
    // The ledger as SQLite holds it, not as kfm reads it back: a secret in a free page or in the WAL
    // that a query would not return still counts.
    const ledger = ['ledger/kfm.sqlite', 'ledger/kfm.sqlite-wal'].filter((p) => existsSync(join(root, p)));
    for (const path of new Set([...files, ...ledger])) {
      const bytes = readFileSync(join(root, path));
      for (const secret of ALL_SECRETS) {
        expect(bytes.includes(secret), `${secret} in ${path}`).toBe(false);
      }
    }
  });

  it('leave a redacted trace: the recorded source URI keeps its shape with REDACTED values', () => {
    const ledger = readFileSync(join(root, 'ledger', 'kfm.sqlite'));
    expect(ledger.includes('reader:REDACTED@')).toBe(true);
    expect(ledger.includes('token=REDACTED&api_key=REDACTED&access_token=REDACTED&sig=REDACTED')).toBe(true);
    expect(ledger.includes('p0=[redacted]')).toBe(true);
  });
});
