import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken, TokenStore } from '../../src/serve/tokens.js';
import { encodeBase64 } from '../../src/tlog/bytes.js';
import { openCheckpoint } from '../../src/tlog/checkpoint.js';
import { nodeEd25519 } from '../../src/tlog/node-ed25519.js';
import { parseVerifierKey } from '../../src/tlog/note-keys.js';
import { useDemoRoots } from '../support/demo-root.js';
import { note } from '../support/drafts.js';
import { forgeEvents } from '../support/forge-events.js';
import { kfm, kfmJson, stage } from '../support/kfm-cli.js';
import { type EventRow, ledgerPath, withLedgerFile } from '../support/ledger-file.js';
import { type OpenApiDocument, openApiValidator } from '../support/openapi-validator.js';
import { http, startTestServer, type TestServer } from '../support/serve-http.js';
import { NaiveTree } from '../unit/tlog/naive-tree.js';

// Issue 11 end to end through the built CLI on a `kfm demo` root: checkpoints, proofs, verify
// --checkpoint against a forged tail, offline bundles, and the tlog-tiles endpoints of kfm serve.

const dir = useDemoRoots('tlog');
const STATIONS = 'ks_mesonet_stations';
let root: string;
let keyFile: string;
let vkey: string;
let checkpointFile: string;

/** Every stored body in seq order, read from the file as an auditor with a copy would. */
function bodies(at: string): Uint8Array[] {
  return withLedgerFile(ledgerPath(at), (db) =>
    (db.prepare('SELECT body FROM events ORDER BY seq').all() as Pick<EventRow, 'body'>[]).map(
      (r) => new Uint8Array(r.body),
    ),
  );
}

const versionOf = async (at: string) =>
  (await kfmJson<{ version_id: string }[]>(at, ['versions', STATIONS])).json[0]!.version_id;

beforeAll(async () => {
  root = await dir.pristine();
  keyFile = join(dir(), 'log.key');
  const generated = await kfm(root, ['key', 'generate', '--out', keyFile]);
  expect(generated.status, generated.stderr).toBe(0);
  vkey = generated.stdout.trim();
  const signed = await kfm(root, ['checkpoint', '--key', keyFile]);
  expect(signed.status, signed.stderr).toBe(0);
  checkpointFile = join(dir(), 'checkpoint-50');
  writeFileSync(checkpointFile, signed.stdout);
});

describe('kfm key generate and kfm checkpoint', () => {
  it('names the key kfm.local/<ledger id> by default and signs the tree of every event', async () => {
    expect(vkey).toMatch(/^kfm\.local\/[0-9a-f]{32}\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);
    const key = parseVerifierKey(vkey, nodeEd25519);
    if (!key.ok) throw new Error(key.message);
    const opened = openCheckpoint(readFileSync(checkpointFile), [key.key], key.key.name);
    if (!opened.ok) throw new Error(opened.message);
    const all = bodies(root);
    expect(all).toHaveLength(50);
    expect(opened.checkpoint.size).toBe(50);
    expect(encodeBase64(opened.checkpoint.rootHash)).toBe(encodeBase64(new NaiveTree(all).mth(0, 50)));
    const again = await kfmJson(root, ['checkpoint', '--key', keyFile]);
    expect(again.json).toMatchObject({
      origin: key.key.name,
      size: 50,
      root_hash: encodeBase64(opened.checkpoint.rootHash),
    });
  });
});

describe('kfm prove and kfm verify-proof', () => {
  it('proves an event by seq, event id or version id, and the proofs check offline', async () => {
    const bySeq = await kfmJson<Record<string, unknown>>(root, ['prove', 'inclusion', '10']);
    const tree = new NaiveTree(bodies(root));
    expect(bySeq.json).toEqual({
      index: 9,
      tree_size: 50,
      leaf_hash: encodeBase64(tree.mth(9, 10)),
      root_hash: encodeBase64(tree.mth(0, 50)),
      proof: tree.path(9, 0, 50).map(encodeBase64),
    });
    const [published] = (await kfmJson(root, ['log', '--type', 'version.published', '--limit', '1'])).stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { event_id: string; seq: number; payload: { version_id: string } });
    expect(published!.seq).toBe(10);
    for (const ref of [published!.event_id, published!.payload.version_id])
      expect((await kfmJson(root, ['prove', 'inclusion', ref])).json).toEqual(bySeq.json);
    const atSize = await kfmJson(root, ['prove', 'inclusion', '10', '--size', '20']);
    expect(atSize.json).toMatchObject({ tree_size: 20, root_hash: encodeBase64(tree.mth(0, 20)) });

    const proofFile = join(dir(), 'inclusion.json');
    writeFileSync(proofFile, JSON.stringify(bySeq.json));
    expect(
      (await kfm(root, ['verify-proof', proofFile, '--checkpoint', checkpointFile, '--vkey', vkey])).status,
    ).toBe(0);
    const consistency = await kfmJson<{ proof: string[] }>(root, ['prove', 'consistency', '7']);
    expect(consistency.json).toMatchObject({
      old_size: 7,
      new_size: 50,
      old_root: encodeBase64(tree.mth(0, 7)),
    });
    const consistencyFile = join(dir(), 'consistency.json');
    writeFileSync(consistencyFile, JSON.stringify(consistency.json));
    expect((await kfm(root, ['verify-proof', consistencyFile])).status).toBe(0);
    const forged = {
      ...consistency.json,
      proof: [encodeBase64(new Uint8Array(32)), ...consistency.json.proof.slice(1)],
    };
    writeFileSync(consistencyFile, JSON.stringify(forged));
    const refused = await kfmJson(root, ['verify-proof', consistencyFile]);
    expect([refused.status, refused.json]).toEqual([
      1,
      {
        ok: false,
        kind: 'consistency',
        failure: 'ROOT_MISMATCH',
        message: 'the proof does not hold (ROOT_MISMATCH)',
      },
    ]);
    const beyond = await kfmJson(root, ['prove', 'inclusion', '51']);
    expect([beyond.status, beyond.json.code]).toEqual([2, 'USAGE']);
  });
});

describe('a tail cut off and re-appended under the triggers', () => {
  it('passes the chain check but not verify --checkpoint, and kfm checkpoint refuses to sign it', async () => {
    const forged = dir.clone(root);
    withLedgerFile(ledgerPath(forged), (db) => {
      db.exec('DROP TRIGGER events_refuse_delete');
      db.prepare('DELETE FROM events WHERE seq > 40').run();
    });
    const cut = await kfmJson(forged, ['verify', '--checkpoint', checkpointFile, '--vkey', vkey]);
    expect(cut.status).toBe(1);
    expect(cut.json.failures).toEqual([
      {
        code: 'TREE_TRUNCATED',
        message: 'the checkpoint covers 50 events; the ledger has 40',
        path: checkpointFile,
      },
    ]);
    forgeEvents(
      forged,
      Array.from({ length: 10 }, (_, i) => note(STATIONS, 'r_forged', `n${i}`)),
    );
    expect((await kfm(forged, ['verify'])).status).toBe(0);
    const rewritten = await kfmJson<{ failures: { code: string }[] }>(forged, [
      'verify',
      '--checkpoint',
      checkpointFile,
      '--vkey',
      vkey,
    ]);
    expect([rewritten.status, rewritten.json.failures.map((f) => f.code)]).toEqual([1, ['TREE_REWRITTEN']]);
    const refused = await kfmJson(forged, ['checkpoint', '--key', keyFile]);
    expect([refused.status, refused.json.code]).toEqual([1, 'TREE_REWRITTEN']);
    // The original still extends its checkpoint.
    expect((await kfm(root, ['verify', '--checkpoint', checkpointFile, '--vkey', vkey])).status).toBe(0);
  });

  it('events forged onto the head leave the tree behind: readers say so, the next writer adds them', async () => {
    const forged = dir.clone(root);
    forgeEvents(forged, [note(STATIONS, 'r_forged', 'appended around kfm')]);
    const behind = await kfmJson(forged, ['prove', 'inclusion', '1']);
    expect([behind.status, behind.json.code]).toEqual([2, 'MIGRATION_REQUIRED']);
    expect((await kfm(forged, ['migrate'])).status).toBe(0);
    expect((await kfmJson(forged, ['prove', 'inclusion', '51'])).json).toMatchObject({ tree_size: 51 });
  });
});

describe('a ledger written before the tree', () => {
  it('is readable but unprovable until kfm migrate builds its tree, which is the tree signed before', async () => {
    const old = dir.clone(root);
    withLedgerFile(ledgerPath(old), (db) => {
      db.exec(
        'DROP TABLE tlog_leaves; DROP TABLE tlog_tiles; DROP TABLE tlog_state; DROP TABLE tlog_checkpoints',
      );
      db.prepare("DELETE FROM kysely_migration WHERE name >= '0005_transparency_log'").run();
    });
    const before = await kfmJson(old, ['prove', 'consistency', '50']);
    expect([before.status, before.json.code]).toEqual([2, 'MIGRATION_REQUIRED']);
    const migrate = await kfmJson(old, ['migrate']);
    expect(migrate.json).toMatchObject({ applied: ['0005_transparency_log', '0007_tlog_leaves'] });
    const after = await kfmJson(old, ['prove', 'consistency', '50']);
    expect(after.json).toMatchObject({ old_size: 50, new_size: 50, proof: [] });
    const signed = readFileSync(checkpointFile, 'utf8').split('\n')[2];
    expect(after.json.new_root).toBe(signed);
  });
});

describe('kfm bundle and kfm verify-bundle', () => {
  it('proves a version offline, and names a tampered artifact, event or key', async () => {
    const version = await versionOf(root);
    const bundleFile = join(dir(), 'bundle.json');
    expect((await kfm(root, ['bundle', `${STATIONS}@${version}`, '--out', bundleFile])).status).toBe(0);
    const artifacts = join(root, 'data', 'processed', STATIONS, version);
    const ok = await kfmJson(dir(), ['verify-bundle', bundleFile, '--vkey', vkey, '--artifacts', artifacts]);
    expect(ok.json).toEqual({
      ok: true,
      dataset_id: STATIONS,
      version_id: version,
      events: 16,
      artifacts_checked: true,
      failures: [],
    });

    const copied = join(dir(), 'artifacts');
    cpSync(artifacts, copied, { recursive: true });
    writeFileSync(join(copied, 'stations.geojson'), '{"type":"FeatureCollection","features":[]}');
    const badFile = await kfmJson<{ failures: { code: string }[] }>(dir(), [
      'verify-bundle',
      bundleFile,
      '--vkey',
      vkey,
      '--artifacts',
      copied,
    ]);
    expect([badFile.status, badFile.json.failures.map((f) => f.code)]).toEqual([1, ['ARTIFACT_MISMATCH']]);

    const bundle = JSON.parse(readFileSync(bundleFile, 'utf8')) as {
      entries: { seq: number; body: string }[];
    };
    const published = bundle.entries.find((e) => e.seq === 10)!;
    const body = Buffer.from(published.body, 'base64')
      .toString('utf8')
      .replace('"bytes":2984', '"bytes":2985');
    published.body = Buffer.from(body).toString('base64');
    const tamperedFile = join(dir(), 'tampered.json');
    writeFileSync(tamperedFile, JSON.stringify(bundle));
    const badEvent = await kfmJson<{ failures: { code: string; seq?: number }[] }>(dir(), [
      'verify-bundle',
      tamperedFile,
      '--vkey',
      vkey,
    ]);
    expect([badEvent.status, badEvent.json.failures.map((f) => [f.seq, f.code])]).toEqual([
      1,
      [[10, 'ROOT_MISMATCH']],
    ]);

    const other = await kfm(root, [
      'key',
      'generate',
      '--name',
      'kfm.local/other',
      '--out',
      join(dir(), 'other.key'),
    ]);
    const wrongKey = await kfmJson<{ failures: { code: string }[] }>(dir(), [
      'verify-bundle',
      bundleFile,
      '--vkey',
      other.stdout.trim(),
    ]);
    expect(wrongKey.status).toBe(1);
    expect(new Set(wrongKey.json.failures.map((f) => f.code))).toEqual(new Set(['NO_KNOWN_SIGNATURE']));
  });

  it('KFM_SIGNING_KEY ends each successful promote with a checkpoint covering it', async () => {
    const promoted = dir.clone(root);
    const env = { KFM_SIGNING_KEY: keyFile };
    const ingest = await stage(promoted, ['ingest', STATIONS], 0, { env });
    await stage(promoted, ['validate', STATIONS, '--run_id', ingest.json.run_id], 0, { env });
    const promote = await stage(promoted, ['promote', STATIONS, '--run_id', ingest.json.run_id], 0, { env });
    expect(promote.stderr).toMatch(/kfm: checkpoint of \d+ events signed for kfm\.local\//);
    const size = withLedgerFile(ledgerPath(promoted), (db) =>
      db.prepare('SELECT max(seq) FROM events').pluck().get(),
    );
    const stored = withLedgerFile(ledgerPath(promoted), (db) =>
      db.prepare('SELECT tree_size FROM tlog_checkpoints ORDER BY id DESC LIMIT 1').pluck().get(),
    );
    expect(stored).toBe(size);
  });
});

describe('kfm serve: the log as C2SP tlog-tiles, for auditors', () => {
  let server: TestServer;
  const auditor = createToken(['auditor'], 'tok_auditor');
  const analyst = createToken(['open-data'], 'tok_analyst');
  beforeAll(async () => {
    server = await startTestServer({ root, tokens: new TokenStore([auditor.record, analyst.record]) });
  });
  afterAll(() => server?.close());
  const get = (path: string, token?: string) => http(server.url, path, token === undefined ? {} : { token });

  it('serves the stored checkpoint, hash tiles and entry bundles byte for byte', async () => {
    const checkpoint = await get('/tlog/checkpoint', auditor.token);
    expect(checkpoint.status).toBe(200);
    expect(checkpoint.text).toBe(
      withLedgerFile(ledgerPath(root), (db) =>
        db.prepare('SELECT note FROM tlog_checkpoints ORDER BY id DESC LIMIT 1').pluck().get(),
      ),
    );
    const all = bodies(root);
    const tree = new NaiveTree(all);
    const leaves = Buffer.concat(all.map((_, i) => tree.mth(i, i + 1)));
    const tile = await get('/tlog/tile/0/000.p/50', auditor.token);
    expect([tile.status, tile.headers['content-type']]).toEqual([200, 'application/octet-stream']);
    expect(Buffer.from(tile.body)).toEqual(leaves);
    const older = await get('/tlog/tile/0/000.p/20', auditor.token);
    expect(Buffer.from(older.body)).toEqual(leaves.subarray(0, 20 * 32));
    const entries = await get('/tlog/tile/entries/000.p/50', auditor.token);
    // C2SP tlog-tiles: each entry (a stored event body) after its length as a big-endian uint16.
    const framed = Buffer.concat(
      all.flatMap((body) => [Buffer.from([body.length >> 8, body.length & 0xff]), body]),
    );
    expect(Buffer.from(entries.body)).toEqual(framed);
    for (const path of [
      '/tlog/tile/0/000',
      '/tlog/tile/0/000.p/51',
      '/tlog/tile/1/000.p/1',
      '/tlog/tile/0/0.p/5',
    ])
      expect((await get(path, auditor.token)).status, path).toBe(404);
  });

  it('refuses callers without the auditor role, and serves a version bundle to its readers', async () => {
    expect((await get('/tlog/checkpoint')).status).toBe(401);
    expect((await get('/tlog/tile/0/000.p/50', analyst.token)).json()).toMatchObject({ code: 'FORBIDDEN' });
    const version = await versionOf(root);
    const bundle = await get(`/datasets/${STATIONS}/versions/${version}/bundle`);
    expect(bundle.status).toBe(200);
    const validate = openApiValidator((await get('/openapi.json')).json<OpenApiDocument>());
    expect(validate('VersionBundle', bundle.json())).toEqual([]);
    const file = join(dir(), 'served-bundle.json');
    writeFileSync(file, bundle.text);
    expect((await kfm(dir(), ['verify-bundle', file, '--vkey', vkey])).status).toBe(0);
  });
});
