import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyLedgerChain } from '../src/ledger/sqlite/parallel-verify.js';
import { openKfmSqliteLedger } from '../test/support/kfm-ledgers.js';
import { BENCH_ACTOR, DraftGenerator } from './bench-events.js';

/**
 * Profiling helper for the two hot paths (BENCHMARKS.md, "Where the time goes"):
 *
 *   node --cpu-prof --cpu-prof-dir=bench/out dist/bench/profile.js append [events]
 *       appends `events` (default 200000) bench events in batches of 1000 to a fresh ledger;
 *   node --cpu-prof --cpu-prof-dir=bench/out dist/bench/profile.js verify <ledger.sqlite>
 *       verifies a ledger with the code path of `kfm verify` (keep one with `npm run bench -- --keep`);
 *   node dist/bench/profile.js top <file.cpuprofile> [rows]
 *       prints the functions with the most self time (native code counts for its JS caller).
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function printTop(file: string, rows: number): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const perNode = new Map<number, number>();
  for (const [i, id] of profile.samples.entries()) {
    perNode.set(id, (perNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const perFunction = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const us = perNode.get(node.id) ?? 0;
    total += us;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url === '' ? '' : ` ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
    const key = `${functionName || '(anonymous)'}${where}`;
    perFunction.set(key, (perFunction.get(key) ?? 0) + us);
  }
  printAreas(profile, perNode, total);
  const top = [...perFunction].sort((a, b) => b[1] - a[1]).slice(0, rows);
  process.stdout.write(`| self ms | share | function |\n|---:|---:|---|\n`);
  for (const [key, us] of top) {
    process.stdout.write(`| ${(us / 1000).toFixed(0)} | ${((100 * us) / total).toFixed(1)} % | ${key} |\n`);
  }
  process.stdout.write(`\ntotal ${(total / 1000).toFixed(0)} ms sampled\n`);
}

const cpuOf = (usage: NodeJS.CpuUsage) => usage.user + usage.system;

/** Wall-clock rate, and CPU time per event: steadier than wall time when the machine is shared. */
function rates(events: number, ms: number, cpuUs: number): string {
  return `${Math.round((events * 1000) / ms)} events/s, ${(cpuUs / events).toFixed(2)} µs CPU/event`;
}

/**
 * Self time summed by area. Native code (SQLite, JSON.parse, OpenSSL) has no frame of its own in a
 * V8 profile: it counts for the JavaScript function that called it, hence areas named by caller.
 */
const AREAS: Array<[string, (name: string, url: string) => boolean]> = [
  ['V8 garbage collection', (name) => name === '(garbage collector)'],
  ['zod validation (checkDraft, checkEnvelope)', (_, url) => url.includes('/zod/')],
  [
    'event ids (ulid + crypto random)',
    (name, url) => url.includes('/ulid/') || url.includes('crypto/random') || name === 'randomFillSync',
  ],
  ['canonical JSON (RFC 8785)', (_, url) => url.includes('canonical-json') || url.includes('/canonicalize/')],
  ['sha256 (node:crypto)', (_, url) => url.includes('node-hasher') || url.includes('crypto/hash')],
  ['SQLite transaction + COMMIT (better-sqlite3)', (_, url) => url.includes('better-sqlite3')],
  [
    'SQLite INSERT incl. triggers and indexes (under sqlite-ledger)',
    (_, url) => url.includes('sqlite-ledger'),
  ],
  ['SQLite read, row objects (under verifyLedgerChain)', (_, url) => url.includes('parallel-verify')],
  ['ChainVerifier: decode + JSON.parse, columns, links', (_, url) => url.includes('verify-chain')],
  ['sealing: envelope, utf8 encode', (_, url) => url.includes('seal-events') || url.includes('encoding')],
  ['bench driver (draft generation)', (_, url) => url.includes('/bench/')],
  ['regular expressions (zod patterns, mostly)', (name) => name.startsWith('RegExp: ')],
  ["generated code without a file (zod's compiled object parsers)", (name, url) => url === '' && name === ''],
  ['module loading (start-up)', (_, url) => url.includes('internal/modules') || url.includes('esm/')],
];

function printAreas(profile: CpuProfile, perNode: Map<number, number>, total: number): void {
  const perArea = new Map<string, number>();
  for (const node of profile.nodes) {
    const { functionName, url } = node.callFrame;
    const area = AREAS.find(([, test]) => test(functionName, url))?.[0] ?? 'other (node internals, idle)';
    perArea.set(area, (perArea.get(area) ?? 0) + (perNode.get(node.id) ?? 0));
  }
  process.stdout.write('| area | self ms | share |\n|---|---:|---:|\n');
  for (const [area, us] of [...perArea].sort((a, b) => b[1] - a[1])) {
    process.stdout.write(`| ${area} | ${(us / 1000).toFixed(0)} | ${((100 * us) / total).toFixed(1)} % |\n`);
  }
  process.stdout.write('\n');
}

async function profileAppend(events: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kfm-profile-'));
  try {
    const ledger = await openKfmSqliteLedger(join(dir, 'ledger.sqlite'), {
      actor: BENCH_ACTOR,
      create: true,
    });
    const generator = new DraftGenerator();
    let ms = 0;
    let cpuUs = 0;
    for (let done = 0; done < events; done += 1000) {
      const drafts = generator.next(Math.min(1000, events - done));
      const cpu = process.cpuUsage();
      const start = performance.now();
      ledger.appendEvents(drafts);
      ms += performance.now() - start;
      cpuUs += cpuOf(process.cpuUsage(cpu));
    }
    ledger.close();
    process.stdout.write(`append: ${events} events, ${rates(events, ms, cpuUs)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function profileVerify(path: string): Promise<void> {
  const ledger = await openKfmSqliteLedger(path, { actor: BENCH_ACTOR });
  const cpu = process.cpuUsage();
  const start = performance.now();
  // One thread: a CPU profile samples the main thread only.
  const report = await verifyLedgerChain(ledger.db, path, { threads: 1 });
  const ms = performance.now() - start;
  const cpuUs = cpuOf(process.cpuUsage(cpu));
  ledger.close();
  process.stdout.write(
    `verify: ok=${report.ok} ${report.events} events, ${rates(report.events, ms, cpuUs)}\n`,
  );
}

const [mode, arg, rows] = process.argv.slice(2);
if (mode === 'top' && arg !== undefined) printTop(arg, Number(rows ?? 25));
else if (mode === 'append') await profileAppend(Number(arg ?? 200_000));
else if (mode === 'verify' && arg !== undefined) await profileVerify(arg);
else
  throw new Error(
    'usage: profile.js append [events] | verify <ledger.sqlite> | top <file.cpuprofile> [rows]',
  );
