import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openKfmSqliteLedger } from '../test/support/kfm-ledgers.js';
import { BENCH_ACTOR, type BenchDraft, DraftGenerator } from './bench-events.js';

/**
 * Start-up of the CLI (issue 13 target 4, issue 11's `prove` and `checkpoint`): each command beside
 * `node -e 0`, paired (every rep runs the reference, then each command once): wall medians and CPU
 * means of --reps, each as a ratio to the reference's.
 *
 *   npm run build && node dist/bench/startup.js [--events 1000000] [--reps 9] [--kfm PATH] [--keep]
 *
 * 1. A `kfm demo` root (3 datasets, ~50 events): every command below, `kfm verify` included.
 * 2. The same root after --events `x.bench.*` events appended through the real API in batches of
 *    1,000 (0: skip): the commands whose start-up should not depend on the ledger's size.
 * --kfm measures another build's kfm.js (e.g. a copy of dist/ from before a change) on the same root.
 */

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = join(HERE, '..', '..', 'bench', 'out', 'startup.json');
const DATASET = 'ks_mesonet_stations';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    reps: { type: 'string', default: '9' },
    kfm: { type: 'string', default: join(HERE, '..', 'cli', 'kfm.js') },
    keep: { type: 'boolean', default: false },
  },
});
const events = Number(values.events.replace(/_/g, ''));
const reps = Number(values.reps);
const kfm = values.kfm;
const dir = mkdtempSync(join(tmpdir(), 'kfm-bench-startup-'));
const root = join(dir, 'demo');
const key = join(dir, 'bench.key');
const log = (line: string) => process.stderr.write(`[bench startup] ${line}\n`);

function kfmOnce(args: readonly string[]): string {
  const run = spawnSync(process.execPath, [kfm, '--root', root, ...args], {
    env: { ...process.env, NODE_OPTIONS: '' },
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`kfm ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
  return run.stdout;
}

/** The commands of the targets; `verify` reads the whole ledger, so it is timed on the demo's only. */
function commands(size: number, withVerify: boolean): Record<string, readonly string[]> {
  return {
    'kfm --help': ['--help'],
    'kfm --version': ['--version'],
    'kfm head': ['head'],
    'kfm versions <id>': ['versions', DATASET],
    'kfm lineage <id>': ['lineage', DATASET],
    ...(withVerify ? { 'kfm verify': ['verify'] } : {}),
    'kfm prove inclusion': ['prove', 'inclusion', String(Math.ceil(size / 2))],
    'kfm checkpoint': ['checkpoint', '--key', key],
  };
}

interface Timed {
  median_ms: number;
  ratio: number;
  runs_ms: number[];
  /** CPU (user + system) of the process, the mean over the reps: steadier than wall on a busy machine. */
  cpu_ms: number;
  cpu_ratio: number;
}

/**
 * CPU ms this process's waited-for children used so far (`cutime` + `cstime` of /proc/self/stat, in
 * clock ticks of 10 ms): read around each spawn, a child's share is exact to a tick, and the mean
 * over the reps to a fraction of one.
 */
function childrenCpuMs(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  // After the command name: field 3 is index 0, so cutime (16) and cstime (17) are 13 and 14.
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

/**
 * Wall and CPU ms of each command, paired with `node -e 0` in every rep: wall medians and CPU means,
 * and their ratios to the reference's.
 */
function paired(cli: Record<string, readonly string[]>): Record<string, Timed> {
  const argvs: Record<string, readonly string[]> = {
    'node -e 0': ['-e', '0'],
    ...Object.fromEntries(Object.entries(cli).map(([name, args]) => [name, [kfm, '--root', root, ...args]])),
  };
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(argvs).map((k) => [k, []]));
  const cpu: Record<string, number[]> = Object.fromEntries(Object.keys(argvs).map((k) => [k, []]));
  for (let r = 0; r < reps; r++)
    for (const [name, argv] of Object.entries(argvs)) {
      const cpuBefore = childrenCpuMs();
      const started = performance.now();
      const run = spawnSync(process.execPath, argv, {
        env: { ...process.env, NODE_OPTIONS: '' },
        stdio: 'ignore',
      });
      times[name]!.push(performance.now() - started);
      cpu[name]!.push(childrenCpuMs() - cpuBefore);
      if (run.status !== 0) throw new Error(`${argv.join(' ')} exited ${run.status}`);
    }
  const reference = median(times['node -e 0']!);
  const referenceCpu = mean(cpu['node -e 0']!);
  return Object.fromEntries(
    Object.entries(times).map(([name, ms]) => [
      name,
      {
        median_ms: median(ms),
        ratio: median(ms) / reference,
        runs_ms: ms,
        cpu_ms: mean(cpu[name]!),
        cpu_ratio: mean(cpu[name]!) / referenceCpu,
      },
    ]),
  );
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Extension events with the bench's realistic payloads (no projection work: only the chain and tree grow). */
const asExtension = (d: BenchDraft): BenchDraft => ({ ...d, type: `x.bench.${d.type.replaceAll('.', '_')}` });

async function grow(count: number): Promise<number> {
  const ledger = await openKfmSqliteLedger(join(root, 'ledger', 'kfm.sqlite'), { actor: BENCH_ACTOR });
  try {
    const drafts = new DraftGenerator(13);
    for (let done = 0; done < count; done += 1000)
      ledger.appendEvents(drafts.next(Math.min(1000, count - done)).map(asExtension));
    return ledger.head().seq;
  } finally {
    ledger.close();
  }
}

function report(label: string, timed: Record<string, Timed>): void {
  for (const [name, t] of Object.entries(timed))
    log(
      `${label} ${name}: wall median ${t.median_ms.toFixed(0)} ms (${t.ratio.toFixed(2)}×), CPU mean ${t.cpu_ms.toFixed(0)} ms (${t.cpu_ratio.toFixed(2)}× node -e 0)`,
    );
}

try {
  const load_before = loadavg();
  kfmOnce(['demo', '--root', root]);
  kfmOnce(['key', 'generate', '--name', 'kfm.local/bench', '--out', key]);
  const demoSize = JSON.parse(kfmOnce(['--json', 'head'])).seq as number;
  const demo = paired(commands(demoSize, true));
  report(`demo (${demoSize} events)`, demo);
  let large: { events: number; commands: Record<string, Timed> } | null = null;
  if (events > 0) {
    const started = performance.now();
    const size = await grow(events);
    log(`${events} events appended in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    large = { events: size, commands: paired(commands(size, false)) };
    report(`${size} events`, large.commands);
  }
  const result = {
    kfm,
    reps,
    load_before,
    load_after: loadavg(),
    demo: { events: demoSize, commands: demo },
    large,
  };
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  if (values.keep) log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
