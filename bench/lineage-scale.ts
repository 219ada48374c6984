import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { datasetIds, type HistorySize } from './lineage-history.js';
import { generateRoot, writeProjections } from './lineage-root.js';
import { type Measured, measure } from './measure-cli.js';

/**
 * Issue 5's benchmark: a ledger of 1,000,000 events over 1,000 datasets and 10,000 versions
 * appended through the real API, its projections written once by `kfm replay`, then the real CLI
 * spawned as an operator runs it: `replay --check`, `verify`, `verify --deep` (wall time and peak
 * RSS), and `lineage` / `versions` latency including process start, next to `node -e 0`.
 *
 *   npm run build && node dist/bench/lineage-scale.js [--events N] [--datasets N] [--versions N]
 *     [--runs 30] [--root DIR (reuse a generated root)] [--kfm PATH (another build's kfm.js)] [--keep]
 *     [--replay (write the projections with a timed `kfm replay`, fsyncs and all)]
 */

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = join(HERE, '..', '..', 'bench', 'out', 'lineage-scale.json');

interface Options extends HistorySize {
  runs: number;
  root: string | null;
  kfm: string;
  keep: boolean;
  replay: boolean;
}

function parseOptions(argv: string[]): Options {
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i === -1 ? undefined : argv[i + 1];
  };
  const count = (flag: string, fallback: number) => Number(value(flag) ?? fallback);
  return {
    events: count('--events', 1_000_000),
    datasets: count('--datasets', 1_000),
    versions: count('--versions', 10_000),
    runs: count('--runs', 30),
    root: value('--root') ?? null,
    kfm: value('--kfm') ?? join(HERE, '..', 'cli', 'kfm.js'),
    keep: argv.includes('--keep'),
    replay: argv.includes('--replay'),
  };
}

interface Latency {
  p50_ms: number;
  p95_ms: number;
  runs: number;
}

/** `runs` spawns of `args(i)`, each timed from spawn to exit. */
function latency(command: string[], args: (i: number) => string[], runs: number): Latency {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const run = spawnSync(process.execPath, [...command, ...args(i)], {
      env: { ...process.env, NODE_OPTIONS: '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    times.push(performance.now() - started);
    if (run.status !== 0) throw new Error(`${args(i).join(' ')} exited ${run.status}: ${run.stderr}`);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)]!;
  return { p50_ms: at(0.5), p95_ms: at(0.95), runs };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const root = options.root ?? mkdtempSync(join(tmpdir(), 'kfm-lineage-scale-'));
  const size = { events: options.events, datasets: options.datasets, versions: options.versions };
  console.log(`root ${root}`);
  const generated = options.root === null ? await generateRoot(root, size) : null;
  if (generated !== null)
    console.log(
      `generated ${size.events} events, ${generated.files} files in ${generated.seconds.toFixed(1)} s`,
    );
  const kfm = options.kfm;
  const fresh = options.root === null;
  const replay = fresh && options.replay ? measure(kfm, root, ['replay']) : null;
  const projected = fresh && !options.replay ? await writeProjections(root) : null;
  const results = {
    size,
    kfm,
    node: process.version,
    generate_s: generated?.seconds ?? null,
    zone_files: generated?.files ?? null,
    projected_files_written: projected,
    ledger_mb: statSync(join(root, 'ledger', 'kfm.sqlite')).size / 2 ** 20,
    replay,
    replay_check: measure(kfm, root, ['replay', '--check']),
    verify: measure(kfm, root, ['verify']),
    verify_deep: measure(kfm, root, ['verify', '--deep']),
    latency: {} as Record<string, Latency>,
  };
  const ids = datasetIds(size.datasets);
  const picks = [0, 1, Math.floor(ids.length / 2), ids.length - 1].map((i) => ids[i]!);
  const pick = (i: number) => picks[i % picks.length]!;
  const asOf = String(Math.floor(size.events / 2));
  const cli = [kfm, '--root', root];
  results.latency = {
    'node -e 0': latency(['-e', '0'], () => [], options.runs),
    'kfm lineage <id>': latency(cli, (i) => ['lineage', pick(i)], options.runs),
    'kfm lineage <id> --as-of <seq>': latency(
      cli,
      (i) => ['lineage', pick(i), '--as-of', asOf],
      options.runs,
    ),
    'kfm versions <id>': latency(cli, (i) => ['versions', pick(i)], options.runs),
  };
  print(results);
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`wrote ${OUT}`);
  if (options.root === null && !options.keep) rmSync(root, { recursive: true, force: true });
}

function print(results: {
  replay: Measured | null;
  replay_check: Measured;
  verify: Measured;
  verify_deep: Measured;
  latency: Record<string, Latency>;
}): void {
  const rows: string[][] = [['command', 'wall', 'peak RSS', 'exit']];
  const heavy: [string, Measured | null][] = [
    ['kfm replay (first, writes files)', results.replay],
    ['kfm replay --check', results.replay_check],
    ['kfm verify', results.verify],
    ['kfm verify --deep', results.verify_deep],
  ];
  for (const [name, m] of heavy)
    if (m !== null)
      rows.push([name, `${m.seconds.toFixed(1)} s`, `${m.rss_mb.toFixed(0)} MB`, String(m.exit)]);
  const base = results.latency['node -e 0']!.p50_ms;
  rows.push(['', '', '', ''], ['latency (incl. process start)', 'p50', 'p95', 'p50 / node -e 0']);
  for (const [name, l] of Object.entries(results.latency))
    rows.push([
      name,
      `${l.p50_ms.toFixed(0)} ms`,
      `${l.p95_ms.toFixed(0)} ms`,
      `${(l.p50_ms / base).toFixed(2)}x`,
    ]);
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const row of rows) console.log(row.map((cell, c) => cell.padEnd(widths[c]!)).join('  '));
}

await main();
