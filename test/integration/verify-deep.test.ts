import { createHash } from 'node:crypto';
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { progressBar } from '../../src/audit/progress-bar.js';
import { verifyLedger } from '../../src/cli/commands/verify.js';
import type { Io } from '../../src/cli/io.js';
import { contentHash } from '../../src/contract/promotion/content-hash.js';
import { nodeSha256Hex } from '../../src/ledger/node-hasher.js';
import { useDemoRoots } from '../support/demo-root.js';
import { runKfm, runKfmJson } from '../support/kfm-cli.js';
import { ledgerPath } from '../support/ledger-file.js';
import { appendAsRuntime } from '../support/runtime-append.js';
import { makeWritable } from '../support/temp-dirs.js';

// The tamper matrix of issue 5 over a real demo root (three datasets ingested, validated and promoted
// by the built CLI): each case tampers with its own copy in one way, and `kfm verify --deep --json`
// must exit 1 naming exactly that finding by code, path and seq.

interface Failure {
  seq?: number;
  path?: string;
  code: string;
  message: string;
  expected_sha256?: string;
  found_sha256?: string | null;
}
interface DeepReport {
  ok: boolean;
  events: number;
  head: { seq: number; hash: string };
  files: number;
  failures: Failure[];
  failures_omitted: number;
}
interface LoggedEvent {
  seq: number;
  type: string;
  dataset_id: string;
  run_id: string;
  payload: Record<string, unknown>;
}

const CHAIN_CODES = [
  'BODY_HASH_MISMATCH',
  'PREV_LINK_BROKEN',
  'SEQ_GAP',
  'COLUMN_MISMATCH',
  'SCHEMA_INVALID',
];
const roots = useDemoRoots('verify-deep');
let pristine: string;
let events: LoggedEvent[];

beforeAll(async () => {
  pristine = await roots.pristine();
  const log = await runKfm(['--root', pristine, '--json', 'log']);
  events = log.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as LoggedEvent);
}, 120_000);

/** The one event of `type` for `dataset`. */
function eventOf(type: string, dataset: string): LoggedEvent {
  const found = events.filter((e) => e.type === type && e.dataset_id === dataset);
  expect(found).toHaveLength(1);
  return found[0]!;
}

function versionOf(dataset: string) {
  const event = eventOf('version.published', dataset);
  const payload = event.payload as { version_id: string; artifacts: { path: string }[] };
  const dir = `data/processed/${dataset}/${payload.version_id}`;
  return { event, dir, file: `${dir}/${payload.artifacts[0]!.path}` };
}

async function verifyDeep(root: string) {
  const run = await runKfmJson<DeepReport>(['--root', root, '--json', 'verify', '--deep']);
  return { status: run.status, report: run.json, stderr: run.stderr };
}

const findings = (report: DeepReport) => report.failures.map(({ seq, path, code }) => ({ seq, path, code }));
const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

describe('kfm verify --deep on a real demo root', () => {
  it('passes an intact root: exit 0, every file checked, nothing but JSON written', async () => {
    const { status, report, stderr } = await verifyDeep(pristine);
    expect(report).toMatchObject({ ok: true, events: events.length, failures: [], failures_omitted: 0 });
    // 3 raw captures, 3 versions × (artifact + checksums), and every receipt and catalog.
    expect(report.files).toBeGreaterThan(3 + 6);
    expect(status).toBe(0);
    expect(stderr).toBe('');
  });

  it('reports PROCESSED_FILE_MISMATCH for a processed file edited in place (same size)', async () => {
    const root = roots.clone(pristine);
    const v = versionOf('ks_county_population');
    makeWritable(join(root, v.dir));
    const bytes = readFileSync(join(root, v.file));
    bytes[bytes.length - 2] = bytes[bytes.length - 2] === 0x30 ? 0x31 : 0x30;
    writeFileSync(join(root, v.file), bytes);
    const { status, report } = await verifyDeep(root);
    expect(findings(report)).toEqual([{ seq: v.event.seq, path: v.file, code: 'PROCESSED_FILE_MISMATCH' }]);
    expect(status).toBe(1);
  });

  it('reports PROCESSED_FILE_MISMATCH for a processed file made writable and appended to', async () => {
    const root = roots.clone(pristine);
    const v = versionOf('ks_mesonet_stations');
    makeWritable(join(root, v.file));
    appendFileSync(join(root, v.file), '\n');
    const { status, report } = await verifyDeep(root);
    expect(findings(report)).toEqual([{ seq: v.event.seq, path: v.file, code: 'PROCESSED_FILE_MISMATCH' }]);
    expect(report.failures[0]!.message).toMatch(/\(\d+ bytes\), recorded/);
    expect(status).toBe(1);
  });

  it('reports RAW_FILE_MISSING at the raw.captured seq for a deleted raw file', async () => {
    const root = roots.clone(pristine);
    const captured = eventOf('raw.captured', 'ks_archaeological_sites');
    const path = `data/raw/ks_archaeological_sites/${captured.payload.path as string}`;
    makeWritable(join(root, path, '..'));
    rmSync(join(root, path));
    const { status, report } = await verifyDeep(root);
    expect(findings(report)).toEqual([{ seq: captured.seq, path, code: 'RAW_FILE_MISSING' }]);
    expect(status).toBe(1);
  });

  it('reports PROCESSED_FILE_UNEXPECTED for a stray file added to a version folder', async () => {
    const root = roots.clone(pristine);
    const v = versionOf('ks_mesonet_stations');
    makeWritable(join(root, v.dir));
    writeFileSync(join(root, v.dir, 'extra.geojson'), '{}\n');
    const { status, report } = await verifyDeep(root);
    expect(findings(report)).toEqual([
      { seq: v.event.seq, path: `${v.dir}/extra.geojson`, code: 'PROCESSED_FILE_UNEXPECTED' },
    ]);
    expect(status).toBe(1);
  });

  it.each([
    // Its first key renamed: the receipt also breaks its schema (tamper-receipts.test.ts has more).
    ['a receipt', (run: string) => `data/work/ks_county_population/runs/${run}/run_record.json`, 1],
    ['a catalog', () => 'data/catalog/dcat/catalog.json', 0],
  ])('reports PROJECTION_DRIFT with both sha256 for an edited %s', async (_, pathOf, schemaFindings) => {
    const root = roots.clone(pristine);
    const path = pathOf(eventOf('version.published', 'ks_county_population').run_id);
    const original = readFileSync(join(root, path));
    const edited = Buffer.from(original.toString('utf8').replace('"', '"x'));
    writeFileSync(join(root, path), edited);
    const { status, report } = await verifyDeep(root);
    expect(report.failures).toEqual([
      expect.objectContaining({
        path,
        code: 'PROJECTION_DRIFT',
        expected_sha256: sha256(original),
        found_sha256: sha256(edited),
      }),
      ...Array.from({ length: schemaFindings }, () =>
        expect.objectContaining({ path, code: 'RECEIPT_SCHEMA_INVALID', field: 'artifacts' }),
      ),
    ]);
    expect(status).toBe(1);
  });

  it('catches a forged version.published appended with a valid hash chain: the invariant, not the hash', async () => {
    const root = roots.clone(pristine);
    const real = eventOf('version.published', 'ks_mesonet_stations');
    // Other content under the existing version id, with a content_hash that matches that content,
    // appended through the ledger's own append (`kfm append` refuses core types) in the very run
    // that published the version.
    const artifacts = [{ path: 'stations.geojson', sha256: 'e'.repeat(64), bytes: 7 }];
    const payload = {
      ...real.payload,
      artifacts,
      content_hash: contentHash(real.dataset_id, artifacts, nodeSha256Hex),
    };
    const draft = { type: real.type, dataset_id: real.dataset_id, run_id: real.run_id, payload };
    await appendAsRuntime(ledgerPath(root), [draft]);
    const forgedSeq = events.length + 1;

    const chainOnly = await runKfmJson<DeepReport>(['--root', root, '--json', 'verify']);
    expect(chainOnly.json.ok).toBe(true); // the hash chain alone cannot see it
    const { status, report } = await verifyDeep(root);
    expect(findings(report)).toContainEqual({ seq: forgedSeq, path: undefined, code: 'VERSION_REPUBLISHED' });
    expect(report.failures.filter((f) => CHAIN_CODES.includes(f.code))).toEqual([]);
    expect(status).toBe(1);
  });

  it('includes the chain failures of plain verify, e.g. a truncated tail against an anchor', async () => {
    const anchor = `${events.length + 5}:${'0'.repeat(64)}`;
    const run = await runKfmJson<DeepReport>([
      '--root',
      pristine,
      '--json',
      'verify',
      '--deep',
      '--anchor',
      anchor,
    ]);
    expect(findings(run.json)).toEqual([{ seq: events.length + 5, path: undefined, code: 'ANCHOR_MISSING' }]);
    expect(run.status).toBe(1);
  });

  it('writes nothing to stderr without a terminal, and prints a human report on stdout', async () => {
    const run = await runKfm(['--root', pristine, 'verify', '--deep']);
    expect(run.stdout).toMatch(/^ok: \d+ events verified in .*, \d+ files checked/);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  describe('on a terminal (stderr a TTY)', () => {
    /** Runs the command in process with a fake terminal; the bar drawn without its start delay. */
    async function onTerminal(json: boolean) {
      const out: string[] = [];
      const err: string[] = [];
      const io: Io = {
        stdout: (t) => out.push(t),
        stderr: (t) => err.push(t),
        stdin: process.stdin,
        isTTY: true,
      };
      const exit = await verifyLedger({ root: pristine, deep: true, json }, (write) =>
        progressBar(write, { delayMs: 0 }),
      )(io);
      return { exit, stdout: out.join(''), stderr: err.join('') };
    }

    it('draws the progress bar on stderr (events, then datasets) and clears it before the report', async () => {
      const { exit, stdout, stderr } = await onTerminal(false);
      expect(stderr).toContain(`events verified  [`);
      expect(stderr).toMatch(/datasets checked {2}\[#+\] 100% {2}(\d+)\/\1/);
      expect(stderr.endsWith('\r\x1b[2K')).toBe(true);
      expect(stdout).toMatch(/^ok: /);
      expect(exit).toBe(0);
    });

    it('draws nothing with --json: stdout is the JSON report alone', async () => {
      const { exit, stdout, stderr } = await onTerminal(true);
      expect(stderr).toBe('');
      expect(JSON.parse(stdout)).toMatchObject({ ok: true, failures: [] });
      expect(exit).toBe(0);
    });
  });
});
