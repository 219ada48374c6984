import { type AppendPhaseResult, type TargetName, VARIANTS } from './append-phase.js';
import type { BreakdownResult, Step } from './breakdown.js';
import type { ChildResult, CliResult } from './verify-phase.js';

export interface BenchReport {
  date: string;
  machine: { nproc: number; cpu: string; node: string; load_before: number[]; load_after: number[] };
  append: AppendPhaseResult;
  checkpoints: ChildResult[];
  final: ChildResult[];
  /** One verify of the full ledger with V8's old space capped far below the RSS it reaches. */
  capped: ChildResult;
  cli: CliResult;
  breakdown: BreakdownResult;
}

const TARGETS = {
  append_per_s: 100_000,
  append_ratio: 0.25,
  verify_per_s: 300_000,
  verify_ratio: 0.5,
  verify_rss_mb: 150,
};

const rate = (events: number, ms: number) => (events * 1000) / ms;
const int = (n: number) => Math.round(n).toLocaleString('en-US');
const pct = (n: number) => `${(n * 100).toFixed(1)} %`;
const mb = (n: number) => `${n.toFixed(1)} MB`;
const verdict = (ok: boolean) => (ok ? 'met' : '**MISSED**');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function readSide(results: ChildResult[], mode: ChildResult['mode']) {
  const runs = results.filter((r) => r.mode === mode);
  return {
    events: runs[0]?.events ?? 0,
    per_s: median(runs.map((r) => rate(r.events, r.ms))),
    cpu_us_per_event: median(runs.map((r) => r.cpu_us / r.events)),
    max_rss_mb: Math.max(...runs.map((r) => r.max_rss_mb)),
    rss_before_mb: median(runs.map((r) => r.rss_before_mb)),
    live_heap_mb: Math.max(...runs.map((r) => r.live_heap_mb ?? Number.NaN)),
  };
}

function steps(title: string, list: Step[]): string[] {
  return [
    `| ${title} | µs/event | µs CPU/event | events/s |`,
    '|---|---:|---:|---:|',
    ...list.map(
      (s) =>
        `| ${s.step} | ${s.us_per_event.toFixed(2)} | ${s.cpu_us_per_event.toFixed(2)} | ${int(s.events_per_s)} |`,
    ),
    '',
  ];
}

/** Prints the results as Markdown, ready to paste into BENCHMARKS.md. */
export function printReport(report: BenchReport): void {
  const { append, breakdown } = report;
  const n = append.events;
  const appendRate = rate(n, append.ms.ledger);
  const plainRate = rate(n, append.ms.plain_insert);
  const verify = readSide(report.final, 'verify');
  const allCores = readSide(report.final, 'verify-all-cores');
  const threads = report.final.find((r) => r.mode === 'verify-all-cores')?.threads ?? 1;
  const reference = readSide(report.final, 'reference');
  const reps = report.final.filter((r) => r.mode === 'reference').length;
  const verifyRow = (label: string, side: typeof verify) =>
    `| ${label} (median of ${reps}) | ${int(side.per_s)} | ${int(reference.per_s)} read + sha256 | ${pct(side.per_s / reference.per_s)} | ≥ ${int(TARGETS.verify_per_s)}/s and ≥ 50 % | ${verdict(side.per_s >= TARGETS.verify_per_s && side.per_s / reference.per_s >= TARGETS.verify_ratio)} |`;
  const sizes = [...new Set(report.checkpoints.map((r) => r.events))].map((events) => ({
    verify: readSide(
      report.checkpoints.filter((r) => r.events === events),
      'verify',
    ),
    reference: readSide(
      report.checkpoints.filter((r) => r.events === events),
      'reference',
    ),
  }));
  sizes.push({ verify, reference });
  const smallest = sizes[0]!.verify;
  const flat = verify.live_heap_mb - smallest.live_heap_mb < 2 && report.capped.ok;
  const cpuPer = (name: TargetName | 'plain_insert') => append.cpu_us[name] / n;
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
  const lines = [
    `## Results: ${int(n)} events, batches of ${append.batch}, mean body ${append.mean_body_bytes.toFixed(0)} bytes`,
    '',
    `${report.date} · ${report.machine.nproc} × ${report.machine.cpu} · Node ${report.machine.node} · load average before ${load(report.machine.load_before)}, after ${load(report.machine.load_after)}`,
    '',
    '| measure | kfm ledger | reference (same run) | ratio | target | verdict |',
    '|---|---:|---:|---:|---|---|',
    `| batched append, events/s | ${int(appendRate)} | ${int(plainRate)} plain insert | ${pct(appendRate / plainRate)} | ≥ ${int(TARGETS.append_per_s)}/s and ≥ 25 % | ${verdict(appendRate >= TARGETS.append_per_s && appendRate / plainRate >= TARGETS.append_ratio)} |`,
    verifyRow('chain verify, 1 thread, events/s', verify),
    verifyRow(`chain verify, ${threads} threads (\`kfm verify\` default), events/s`, allCores),
    `| verify peak RSS at ${int(verify.events)} events, 1 thread | ${mb(verify.max_rss_mb)} | ${mb(reference.max_rss_mb)} read + sha256 | | < ${TARGETS.verify_rss_mb} MB | ${verdict(verify.max_rss_mb < TARGETS.verify_rss_mb)} |`,
    `| verify peak RSS at ${int(allCores.events)} events, ${threads} threads | ${mb(allCores.max_rss_mb)} | | | < ${TARGETS.verify_rss_mb} MB | ${verdict(allCores.max_rss_mb < TARGETS.verify_rss_mb)} |`,
    `| verify live heap, ${int(smallest.events)} → ${int(verify.events)} events | ${mb(smallest.live_heap_mb)} → ${mb(verify.live_heap_mb)} | | | flat with size | ${verdict(flat)} |`,
    '',
    'CPU time per event (user + system of the measured calls; steadier than wall time when the machine is shared):',
    '',
    '| measure | kfm ledger | reference | ratio |',
    '|---|---:|---:|---:|',
    `| append, µs CPU/event | ${cpuPer('ledger').toFixed(2)} | ${cpuPer('plain_insert').toFixed(2)} | ${pct(cpuPer('plain_insert') / cpuPer('ledger'))} |`,
    `| verify, µs CPU/event | ${verify.cpu_us_per_event.toFixed(2)} | ${reference.cpu_us_per_event.toFixed(2)} | ${pct(reference.cpu_us_per_event / verify.cpu_us_per_event)} |`,
    `| verify on ${threads} threads, µs CPU/event (all threads) | ${allCores.cpu_us_per_event.toFixed(2)} | ${reference.cpu_us_per_event.toFixed(2)} | ${pct(reference.cpu_us_per_event / allCores.cpu_us_per_event)} |`,
    '',
    'Memory of verify by ledger size (each a fresh child process; live heap = V8 heap in use after a full GC at the end):',
    '',
    '| events | verify peak RSS | verify live heap | verify RSS before first row | reference peak RSS | verify events/s |',
    '|---:|---:|---:|---:|---:|---:|',
    ...sizes.map(
      ({ verify: v, reference: r }) =>
        `| ${int(v.events)} | ${mb(v.max_rss_mb)} | ${mb(v.live_heap_mb)} | ${mb(v.rss_before_mb)} | ${mb(r.max_rss_mb)} | ${int(v.per_s)} |`,
    ),
    '',
    `With V8's old space capped (${report.capped.node_flags.join(' ')}), verify of all ${int(report.capped.events)} events: ok=${report.capped.ok}, peak RSS ${mb(report.capped.max_rss_mb)}, ${int(rate(report.capped.events, report.capped.ms))} events/s.`,
    report.cli.error === undefined
      ? `\`kfm verify --json\` (whole CLI process, wall time): ${int(report.cli.events)} events, ok=${report.cli.ok}, exit ${report.cli.exit_code}, ${(report.cli.wall_ms / 1000).toFixed(2)} s (${int(rate(report.cli.events, report.cli.wall_ms))} events/s including start-up).`
      : `\`kfm verify --json\` could not run: ${report.cli.error}`,
    '',
  ];
  const v = append.variant_events;
  if (v > 0) {
    const vUs = (name: TargetName) => (append.variant_ms[name] * 1000) / v;
    const vCpu = (name: TargetName) => append.variant_cpu_us[name] / v;
    const cost = (name: TargetName) =>
      `${(vUs('ledger') - vUs(name)).toFixed(2)} µs/event wall, ${(vCpu('ledger') - vCpu(name)).toFixed(2)} µs CPU/event (${pct(1 - append.variant_cpu_us[name] / append.variant_cpu_us.ledger)} of the ledger's append CPU)`;
    lines.push(
      `| append variant (same drafts, first ${int(v)} events, same run) | events/s | µs/event | µs CPU/event |`,
      '|---|---:|---:|---:|',
      ...(['ledger', ...VARIANTS] as const).map(
        (name) =>
          `| ${name} | ${int(rate(v, append.variant_ms[name]))} | ${vUs(name).toFixed(2)} | ${vCpu(name).toFixed(2)} |`,
      ),
      '',
      `Cost of the 0002 read indexes: ${cost('ledger_no_read_indexes')}; of the linear-insert trigger: ${cost('ledger_no_linear_trigger')}; of both: ${cost('ledger_bare')}; of keeping the projection tables (migration 0003) current: ${cost('ledger_no_projections')}.`,
      '',
    );
  }
  lines.push(
    `### Where the time goes (${int(breakdown.events)} events, each step alone)`,
    '',
    ...steps('append step', breakdown.append),
    ...steps('verify step', breakdown.verify),
    ...steps('hasher (same bodies)', breakdown.hashers),
    `node:crypto and @noble/hashes digests agree on all ${int(breakdown.events)} bodies: ${breakdown.hashers_agree}.`,
    '',
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}
