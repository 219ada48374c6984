import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fixturePath } from '../support/examples.js';
import { type FlakyServer, type ScriptStep, startFlakyServer } from '../support/flaky-server.js';
import { kfm, stage } from '../support/kfm-cli.js';
import { ledgerEvents, ledgerPath, readHead } from '../support/ledger-file.js';
import { filesUnder } from '../support/promote-root.js';
import { snapshotTree, useStageRoots } from '../support/stage-root.js';

// `kfm ingest` over real HTTP from a local server that misbehaves on purpose. Every retried answer
// carries `Retry-After: 0` (honoured exactly) except the truncated body, which comes first so its
// jittered backoff is below 500 ms: the default retry policy, no test-only tuning.

const roots = useStageRoots('stages-http');
const STATIONS = readFileSync(fixturePath('ks_mesonet_stations'), 'utf8');
const PATH = '/stations.geojson';

let server: FlakyServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A root whose ingest of ks_mesonet_stations reads `uri` (through --config). */
async function rootFor(uri: string): Promise<{ root: string; config: string }> {
  const root = await roots.root();
  const config = join(root, 'upstream.json');
  writeFileSync(config, JSON.stringify({ upstream: { uri } }));
  return { root, config };
}

describe('kfm ingest from an HTTP upstream', () => {
  it('survives a truncated body, 429 and 503, and captures exactly the served bytes', async () => {
    const steps: ScriptStep[] = [
      { kind: 'ok', body: STATIONS, headers: { etag: '"v1"', 'content-type': 'application/geo+json' } }, // HEAD
      { kind: 'truncate', body: STATIONS, sendBytes: 1000 },
      { kind: 'status', status: 429, retryAfter: '0' },
      { kind: 'status', status: 503, retryAfter: '0' },
      { kind: 'ok', body: STATIONS, headers: { etag: '"v1"', 'content-type': 'application/geo+json' } },
    ];
    server = await startFlakyServer({ [PATH]: steps });
    const { root, config } = await rootFor(server.url(PATH));
    const run = await stage(root, ['ingest', 'ks_mesonet_stations', '--config', config]);
    expect(server.requestsTo(PATH).map((r) => r.method)).toEqual(['HEAD', 'GET', 'GET', 'GET', 'GET']);
    expect(run.json).toMatchObject({ status: 'succeeded', captured: 1 });
    const [discovered] = ledgerEvents(root, { type: 'source.discovered', run_id: run.json.run_id });
    expect(discovered?.payload).toMatchObject({
      capabilities: {
        scheme: 'http',
        status: 200,
        etag: '"v1"',
        content_length: Buffer.byteLength(STATIONS),
      },
    });
    const [captured] = ledgerEvents(root, { type: 'raw.captured', run_id: run.json.run_id });
    const payload = captured!.payload as { path: string; sha256: string; etag?: string; source_uri: string };
    expect(payload).toMatchObject({ etag: '"v1"', source_uri: server.url(PATH) });
    const rawDir = join(root, 'data', 'raw', 'ks_mesonet_stations');
    // One whole capture: nothing left behind by the truncated attempt.
    expect(filesUnder(rawDir)).toEqual(['checksums.sha256', 'manifest.yml', payload.path].sort());
    expect(readFileSync(join(rawDir, payload.path), 'utf8')).toBe(STATIONS);
  });

  it('exits 4 naming the last status when the upstream always answers 503, recording the failure', async () => {
    server = await startFlakyServer({
      [PATH]: [
        { kind: 'ok', body: STATIONS },
        { kind: 'status', status: 503, retryAfter: '0' },
      ],
    });
    const { root, config } = await rootFor(server.url(PATH));
    const before = readHead(ledgerPath(root));
    const run = await kfm(root, ['ingest', 'ks_mesonet_stations', '--config', config]);
    expect(run.status).toBe(4);
    expect(run.stderr).toMatch(
      /^kfm: GET \S+ failed after 5 attempts \(last status 503[^\n]*\[UPSTREAM_FAILED\]$/m,
    );
    expect(server.requestsTo(PATH).filter((r) => r.method === 'GET')).toHaveLength(5);
    const events = ledgerEvents(root, { after_seq: before.seq });
    expect(events.map((e) => e.type)).toEqual(['run.started', 'source.discovered', 'run.completed']);
    expect(events.at(-1)?.payload).toMatchObject({
      status: 'failed',
      error: { code: 'UPSTREAM_FAILED', message: expect.stringContaining('last status 503') },
    });
    expect(filesUnder(join(root, 'data', 'raw'))).toEqual([]);
  });
});

describe('secrets', () => {
  // One secret only the environment names (in a plain query parameter), one only the URI's
  // token-like parameter carries: each of the two scrubbing rules has to catch its own.
  const SECRET = 's3cr3t-abc';
  const URL_TOKEN = 'tok-9f8e7d6c5b4a';
  const env = { KFM_UPSTREAM_TOKEN: SECRET };

  it('never appear in the ledger, receipts, dry_run.json, stdout or stderr (human and --log_json)', async () => {
    server = await startFlakyServer({ [PATH]: [{ kind: 'ok', body: STATIONS }] });
    const uri = server.url(`${PATH}?region=${SECRET}&token=${URL_TOKEN}`);
    const { root, config } = await rootFor(uri);
    const before = snapshotTree(root);
    const outputs: string[] = [];
    const keep = (run: { stdout: string; stderr: string }) => outputs.push(run.stdout, run.stderr);
    const dry = await kfm(root, ['ingest', 'ks_mesonet_stations', '--config', config, '--dry-run'], { env });
    expect(dry.status, dry.stderr).toBe(0);
    keep(dry);
    const logged = await stage(root, ['ingest', 'ks_mesonet_stations', '--config', config, '--log_json'], 0, {
      env,
    });
    keep(logged);
    const human = await kfm(root, ['ingest', 'ks_mesonet_stations', '--config', config], { env });
    expect(human.status, human.stderr).toBe(0);
    keep(human);
    keep(
      await stage(
        root,
        ['validate', 'ks_mesonet_stations', '--run_id', logged.json.run_id, '--log_json'],
        0,
        { env },
      ),
    );
    // The secret did reach the upstream: the client sent the URI as configured.
    expect(server.requests.filter((r) => r.url.includes(SECRET) && r.url.includes(URL_TOKEN)).length).toBe(5);
    const ledger = await kfm(root, ['--json', 'log']);
    expect(ledger.stdout).toContain('source_uri');
    outputs.push(ledger.stdout);
    for (const text of outputs) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(URL_TOKEN);
    }
    // Every file the runs wrote (receipts, dry_run.json, the raw manifest), except raw data itself.
    const written = [...snapshotTree(root).keys()].filter(
      (p) => !before.has(p) && !p.startsWith('ledger/') && !p.endsWith('/stations.geojson'),
    );
    expect(written.some((p) => p.endsWith('/dry_run.json'))).toBe(true);
    expect(written.some((p) => p.endsWith('/validation_report.json'))).toBe(true);
    for (const path of written) {
      const text = readFileSync(join(root, path), 'utf8');
      expect(text, path).not.toContain(SECRET);
      expect(text, path).not.toContain(URL_TOKEN);
    }
  });
});
