import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { nodeEventHasher } from '../src/ledger/node-hasher.js';
import { sealEvents } from '../src/ledger/pure/seal-events.js';
import { storedRowValues } from '../src/ledger/sqlite/sqlite-ledger.js';
import { openKfmSqliteLedger } from '../test/support/kfm-ledgers.js';
import { BENCH_ACTOR, type BenchDraft, DraftGenerator } from './bench-events.js';

/**
 * Issue 11's benchmark: what keeping the transparency log's tree in the append transaction costs,
 * and the tree's commands on a large ledger.
 *
 *   npm run build && node dist/bench/tlog.js [--events 1000000] [--appends 2000] [--reps 5] [--keep]
 *
 * 1. CPU per event of appends through the real API into a ledger with the tree (schema 0005) and
 *    one without it (the same code stopped at migration 0004, so no tree tables and no tree work),
 *    interleaved 20 appends at a time, for one-event appends and batches of 100.
 * 2. A ledger of --events events as a kfm before 0005 wrote it (sealed by kfm's code, inserted in
 *    big transactions), then `kfm migrate` builds its tree: wall time and peak RSS of the CLI.
 * 3. `kfm prove inclusion` and `kfm checkpoint` on it, beside `node -e 0` and `kfm head` (the
 *    start-up of any command that opens the ledger), paired per rep.
 */

const HERE = dirname(fileURLToPath(import.meta.url));
const KFM = join(HERE, '..', 'cli', 'kfm.js');
const PEAK_RSS_AT_EXIT = new URL('./peak-rss-at-exit.js', import.meta.url).href;
const OUT = join(HERE, '..', '..', 'bench', 'out', 'tlog.json');
const BEFORE_TREE = '0004_runs_parent_run_id';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    appends: { type: 'string', default: '2000' },
    reps: { type: 'string', default: '5' },
    keep: { type: 'boolean', default: false },
  },
});
const events = Number(values.events.replace(/_/g, ''));
const appends = Number(values.appends.replace(/_/g, ''));
const reps = Number(values.reps);
const dir = mkdtempSync(join(tmpdir(), 'kfm-bench-tlog-'));
const log = (line: string) => process.stderr.write(`[bench tlog] ${line}\n`);

/** Extension events with the bench's realistic payloads: no projection work, so the tree's cost stands out. */
const asExtension = (d: BenchDraft): BenchDraft => ({ ...d, type: `x.bench.${d.type.replaceAll('.', '_')}` });

interface AppendCost {
  /** User + system CPU µs per event (system is mostly the commit's fsync). */
  cpu_us: number;
  /** User CPU µs per event: where the tree's hashing and tile building show. */
  user_us: number;
}

async function openVariant(withTree: boolean, batch: number) {
  const path = join(dir, `append-${withTree ? 'tree' : 'plain'}-${batch}.sqlite`);
  const ledger = await openKfmSqliteLedger(path, {
    actor: BENCH_ACTOR,
    create: true,
    ...(withTree ? {} : { migrate: { upTo: BEFORE_TREE } }),
  });
  if ((ledger.tree !== null) !== withTree) throw new Error('the ledger variant is not the one asked for');
  return ledger;
}

/**
 * CPU per event of `count` events appended in batches of `batch` into a ledger with the tree and one
 * without, interleaved 20 appends at a time so both see the same machine load, after a warm-up.
 */
async function appendCosts(batch: number, count: number): Promise<{ with: AppendCost; without: AppendCost }> {
  const ledgers = { with: await openVariant(true, batch), without: await openVariant(false, batch) };
  const drafts = new DraftGenerator(7);
  const spent = { with: { user: 0, system: 0 }, without: { user: 0, system: 0 } };
  for (const variant of ['with', 'without'] as const)
    for (let i = 0; i < 50; i++) ledgers[variant].appendEvents(drafts.next(batch).map(asExtension));
  for (let done = 0; done < count; done += 20 * batch)
    for (const variant of ['without', 'with'] as const) {
      const chunk = Array.from({ length: 20 }, () => drafts.next(batch).map(asExtension));
      const before = process.cpuUsage();
      for (const drafts of chunk) ledgers[variant].appendEvents(drafts);
      const used = process.cpuUsage(before);
      spent[variant].user += used.user;
      spent[variant].system += used.system;
    }
  for (const ledger of Object.values(ledgers)) ledger.close();
  const cost = (v: { user: number; system: number }) => ({
    cpu_us: (v.user + v.system) / count,
    user_us: v.user / count,
  });
  return { with: cost(spent.with), without: cost(spent.without) };
}

/** A ledger of `count` events at schema 0004, written fast: sealed by kfm, inserted 50,000 a transaction. */
async function oldLedger(path: string, count: number): Promise<void> {
  (
    await openKfmSqliteLedger(path, { actor: BENCH_ACTOR, create: true, migrate: { upTo: BEFORE_TREE } })
  ).close();
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  const insert = db.prepare('INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const drafts = new DraftGenerator(11);
  let head = { seq: 0, hash: '0'.repeat(64) };
  let ms = Date.parse('2026-01-01T00:00:00Z');
  let id = 0;
  for (let done = 0; done < count; done += 50_000) {
    const sealed = sealEvents(drafts.next(Math.min(50_000, count - done)).map(asExtension), {
      head,
      actor: BENCH_ACTOR,
      hasher: nodeEventHasher,
      now: () => ms++,
      newEventId: () => `01J${String(id++).padStart(23, '0')}`,
    });
    db.transaction(() => {
      for (const event of sealed) insert.run(storedRowValues(event));
    })();
    const last = sealed.at(-1)!;
    head = { seq: last.envelope.seq, hash: last.hash };
  }
  db.close();
}

function runKfm(args: readonly string[]): { seconds: number; rss_mb: number; stdout: string } {
  const rssFile = join(dir, 'rss');
  const started = performance.now();
  const run = spawnSync(process.execPath, ['--import', PEAK_RSS_AT_EXIT, KFM, ...args], {
    env: { ...process.env, NODE_OPTIONS: '', KFM_BENCH_PEAK_RSS_FILE: rssFile },
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const seconds = (performance.now() - started) / 1000;
  if (run.status !== 0) throw new Error(`kfm ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
  return { seconds, rss_mb: Number(readFileSync(rssFile, 'utf8')), stdout: run.stdout };
}

/** Wall ms of each command, paired: every rep runs the reference then the command. */
function paired(commands: Record<string, readonly string[]>, count: number): Record<string, number[]> {
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
  for (let r = 0; r < count; r++)
    for (const [name, argv] of Object.entries(commands)) {
      const started = performance.now();
      const run = spawnSync(process.execPath, argv, {
        env: { ...process.env, NODE_OPTIONS: '' },
        stdio: 'ignore',
      });
      times[name]!.push(performance.now() - started);
      if (run.status !== 0) throw new Error(`${argv.join(' ')} exited ${run.status}`);
    }
  return times;
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

try {
  const append: Record<
    string,
    { with_tree: AppendCost; without_tree: AppendCost; cpu_overhead: number; user_overhead: number }
  > = {};
  for (const batch of [1, 100]) {
    const costs = await appendCosts(batch, batch === 1 ? appends : appends * 10);
    const cpu = costs.with.cpu_us / costs.without.cpu_us - 1;
    const user = costs.with.user_us / costs.without.user_us - 1;
    append[`batch_${batch}`] = {
      with_tree: costs.with,
      without_tree: costs.without,
      cpu_overhead: cpu,
      user_overhead: user,
    };
    log(
      `append batch ${batch}: CPU/event ${costs.without.cpu_us.toFixed(1)} µs without the tree, ${costs.with.cpu_us.toFixed(1)} with (${(cpu * 100).toFixed(1)} %); user CPU ${costs.without.user_us.toFixed(1)} → ${costs.with.user_us.toFixed(1)} µs (${(user * 100).toFixed(1)} %)`,
    );
  }

  const ledger = join(dir, 'large.sqlite');
  const built = performance.now();
  await oldLedger(ledger, events);
  log(
    `${events} events at schema ${BEFORE_TREE} written in ${((performance.now() - built) / 1000).toFixed(1)} s`,
  );
  const migrate = runKfm(['--ledger', ledger, '--json', 'migrate']);
  log(`kfm migrate (tree build): ${migrate.seconds.toFixed(1)} s, peak RSS ${migrate.rss_mb.toFixed(0)} MB`);

  const key = join(dir, 'bench.key');
  runKfm(['--ledger', ledger, 'key', 'generate', '--name', 'kfm.local/bench', '--out', key]);
  const prove = runKfm(['--ledger', ledger, 'prove', 'inclusion', String(Math.ceil(events / 2))]);
  const checkpoint = runKfm(['--ledger', ledger, 'checkpoint', '--key', key]);
  const times = paired(
    {
      'node -e 0': ['-e', '0'],
      // The start-up floor of any kfm command that opens the ledger, for scale.
      'kfm head': [KFM, '--ledger', ledger, 'head'],
      'kfm prove inclusion': [KFM, '--ledger', ledger, 'prove', 'inclusion', String(Math.ceil(events / 2))],
      'kfm checkpoint': [KFM, '--ledger', ledger, 'checkpoint', '--key', key],
    },
    reps,
  );
  const reference = median(times['node -e 0']!);
  const commands = Object.fromEntries(
    Object.entries(times).map(([name, ms]) => [
      name,
      { median_ms: median(ms), ratio: median(ms) / reference, runs_ms: ms },
    ]),
  );
  for (const [name, c] of Object.entries(commands))
    log(`${name}: median ${c.median_ms.toFixed(0)} ms (${c.ratio.toFixed(2)}× node -e 0)`);
  const report = {
    events,
    appends,
    append,
    migrate: { seconds: migrate.seconds, peak_rss_mb: migrate.rss_mb },
    prove_peak_rss_mb: prove.rss_mb,
    checkpoint_peak_rss_mb: checkpoint.rss_mb,
    commands,
  };
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} finally {
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
  else log(`kept ${dir}`);
}
