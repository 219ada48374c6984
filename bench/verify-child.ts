import { hash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import Database from 'better-sqlite3';
import { verifyLedgerChain } from '../src/ledger/sqlite/parallel-verify.js';
import { openKfmSqliteLedger } from '../test/support/kfm-ledgers.js';
import { BENCH_ACTOR } from './bench-events.js';
import { peakRssMb } from './peak-rss.js';

/**
 * Runs one read-side measurement in a fresh process, so its peak RSS (VmHWM, the kernel's high
 * water mark for this process alone) is not mixed with the appender's heap. Prints one JSON line.
 *
 *   node verify-child.js verify <ledger>     the code path of `kfm verify --threads 1`
 *   node verify-child.js verify-all-cores <ledger>  of `kfm verify` on a large ledger: every core
 *   node verify-child.js reference <ledger>  plain read of the stored bodies + sha256 (node:crypto)
 *
 * Run with --expose-gc, it also reports the live heap after a full GC at the end: what verify holds,
 * as opposed to garbage V8 has not yet collected (which is most of the RSS above the start).
 */
export interface ChildResult {
  mode: 'verify' | 'verify-all-cores' | 'reference';
  /** Threads the chain was verified with (the reference: 1). */
  threads: number;
  events: number;
  ok: boolean;
  ms: number;
  /** CPU time (user + system) of the measured loop, in µs. */
  cpu_us: number;
  /** RSS once modules are loaded and the ledger is open, before the first row is read. */
  rss_before_mb: number;
  /** Peak RSS of the whole child process. */
  max_rss_mb: number;
  /** V8 heap in use after a full GC once the measurement is done (null without --expose-gc). */
  live_heap_mb: number | null;
  /** Node flags the child ran with (e.g. a capped old space). */
  node_flags: string[];
}

const MB = 1024 * 1024;
const cpuOf = (usage: NodeJS.CpuUsage) => usage.user + usage.system;

async function main(): Promise<void> {
  const [mode, path] = process.argv.slice(2);
  if ((mode !== 'verify' && mode !== 'verify-all-cores' && mode !== 'reference') || path === undefined) {
    throw new Error('usage: verify-child.js verify|verify-all-cores|reference <ledger.sqlite>');
  }
  const result =
    mode === 'reference'
      ? runReference(path)
      : await runVerify(path, mode === 'verify' ? 1 : availableParallelism());
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

async function runVerify(path: string, threads: number): Promise<ChildResult> {
  const ledger = await openKfmSqliteLedger(path, { actor: BENCH_ACTOR });
  const rssBefore = process.memoryUsage.rss();
  // process.cpuUsage counts every thread of the process, workers included.
  const cpu = process.cpuUsage();
  const start = performance.now();
  const report = await verifyLedgerChain(ledger.db, path, { threads });
  const ms = performance.now() - start;
  const cpuUs = cpuOf(process.cpuUsage(cpu));
  ledger.close();
  if (!report.ok) process.stderr.write(`${JSON.stringify(report.failures.slice(0, 5))}\n`);
  const mode = threads === 1 ? 'verify' : 'verify-all-cores';
  return finish(mode, threads, report.events, report.ok, ms, cpuUs, rssBefore);
}

function runReference(path: string): ChildResult {
  const db = new Database(path, { readonly: true });
  const bodies = db.prepare('SELECT body FROM events ORDER BY seq').pluck();
  const rssBefore = process.memoryUsage.rss();
  const cpu = process.cpuUsage();
  const start = performance.now();
  let events = 0;
  let check = 0;
  for (const body of bodies.iterate() as IterableIterator<Buffer>) {
    // Keep the digest observable so no work can be skipped.
    check ^= hash('sha256', body, 'hex').charCodeAt(0);
    events++;
  }
  const ms = performance.now() - start;
  const cpuUs = cpuOf(process.cpuUsage(cpu));
  db.close();
  return finish('reference', 1, events, check >= 0, ms, cpuUs, rssBefore);
}

function finish(
  mode: ChildResult['mode'],
  threads: number,
  events: number,
  ok: boolean,
  ms: number,
  cpuUs: number,
  rssBefore: number,
): ChildResult {
  return {
    mode,
    threads,
    events,
    ok,
    ms,
    cpu_us: cpuUs,
    rss_before_mb: rssBefore / MB,
    max_rss_mb: peakRssMb(),
    live_heap_mb: liveHeapMb(),
    node_flags: process.execArgv,
  };
}

function liveHeapMb(): number | null {
  if (globalThis.gc === undefined) return null;
  globalThis.gc();
  return process.memoryUsage().heapUsed / MB;
}

await main();
