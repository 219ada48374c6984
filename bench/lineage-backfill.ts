import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openKfmSqliteLedger } from '../test/support/kfm-ledgers.js';
import { type Measured, measure } from './measure-cli.js';

/**
 * Issue 13, target 2: `kfm lineage` of a dataset with a 3,650-window backfill (ten years of daily
 * windows, each a child ingest run with its own upstream request and capture), text and json, beside
 * `node -e 0` in the same run. Target: under 1 s on top of start-up and under 150 MB peak RSS.
 * `node dist/bench/lineage-backfill.js [--windows 3650] [--runs 5] [--keep]`.
 */

const HERE = dirname(fileURLToPath(import.meta.url));
const DS = 'ks_daily';
const H = (c: string) => c.repeat(64);

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at < 0 ? fallback : Number(process.argv[at + 1]);
}

const day = (n: number) => new Date(Date.UTC(2016, 0, 1) + n * 86_400_000).toISOString();

function started(stage: string, extra: Record<string, unknown>) {
  return { stage, spec: {}, spec_hash: H('a'), args: {}, dry_run: false, ...extra };
}

/** The events a backfill of `windows` daily windows records, as in bench/lineage-history.ts's style. */
function* backfillDrafts(windows: number) {
  yield {
    type: 'run.started',
    dataset_id: DS,
    run_id: 'bf',
    payload: started('backfill', { window: { since: day(0), until: day(windows) } }),
  };
  for (let n = 0; n < windows; n++) {
    const run_id = `child-${String(n).padStart(5, '0')}`;
    const uri = `http://upstream.example/daily?start=${day(n)}&end=${day(n + 1)}`;
    const path = `${run_id}/readings_${n}.csv`;
    const draft = (type: string, payload: Record<string, unknown>) => ({
      type,
      dataset_id: DS,
      run_id,
      payload,
    });
    yield draft(
      'run.started',
      started('ingest', { window: { since: day(n), until: day(n + 1) }, parent_run_id: 'bf' }),
    );
    yield draft('source.discovered', { source_uri: uri, capabilities: {} });
    yield draft('raw.captured', { capture_id: run_id, path, sha256: H('b'), bytes: 191, source_uri: uri });
    yield draft('run.completed', { status: 'succeeded' });
    yield {
      type: 'backfill.window.completed',
      dataset_id: DS,
      run_id: 'bf',
      payload: {
        window: { since: day(n), until: day(n + 1) },
        child_run_id: run_id,
        files: 1,
        rows: 24,
        sha256: H('c'),
      },
    };
  }
  yield { type: 'run.completed', dataset_id: DS, run_id: 'bf', payload: { status: 'succeeded' } };
}

function nodeStart(runs: number): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    spawnSync(process.execPath, ['-e', '0']);
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)]! / 1000;
}

function median(runs: Measured[]): Measured {
  return [...runs].sort((a, b) => a.seconds - b.seconds)[Math.floor(runs.length / 2)]!;
}

async function main(): Promise<void> {
  const windows = option('--windows', 3650);
  const runs = option('--runs', 5);
  const root = mkdtempSync(join(tmpdir(), 'kfm-lineage-backfill-'));
  const ledgerFile = join(root, 'ledger', 'kfm.sqlite');
  mkdirSync(dirname(ledgerFile), { recursive: true });
  const ledger = await openKfmSqliteLedger(ledgerFile, {
    create: true,
    actor: { tool: 'kfm', tool_version: '0.1.0', connector: 'bench', operator: 'bench' },
  });
  ledger.appendEvents([...backfillDrafts(windows)]);
  const events = ledger.head().seq;
  ledger.close();
  const kfm = join(HERE, '..', 'src', 'cli', 'kfm.js');
  const rows: Record<string, unknown>[] = [];
  for (const [name, args] of [
    ['text', ['lineage', DS]],
    ['json', ['--json', 'lineage', DS]],
    ['text --all', ['lineage', DS, '--all']],
  ] as const) {
    const node = nodeStart(runs);
    const m = median(Array.from({ length: runs }, () => measure(kfm, root, [...args])));
    rows.push({
      format: name,
      wall_s: Number(m.seconds.toFixed(3)),
      over_node_s: Number((m.seconds - node).toFixed(3)),
      node_e_0_s: Number(node.toFixed(3)),
      peak_rss_mb: m.rss_mb,
      exit: m.exit,
    });
  }
  const text = spawnSync(process.execPath, [kfm, '--root', root, 'lineage', DS], { encoding: 'utf8' });
  console.log(
    JSON.stringify({ windows, events, text_lines: text.stdout.split('\n').length - 1, rows }, null, 2),
  );
  if (process.argv.includes('--keep')) console.log(`kept ${root}`);
  else rmSync(root, { recursive: true, force: true });
}

await main();
