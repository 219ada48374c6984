import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { openKfmLedger } from '../src/compose/open-kfm-ledger.js';
import type { LedgerDoor } from '../src/ledger/ledger-door.js';
import { nodeEventHasher } from '../src/ledger/node-hasher.js';
import {
  type ChainReport,
  ChainVerifier,
  mergeChainReports,
  segmentRanges,
} from '../src/ledger/pure/verify-chain.js';
import { BENCH_ACTOR, DraftGenerator } from './bench-events.js';

/**
 * What a range-parallel chain verify of a PostgreSQL ledger buys on this machine. Fills a fresh
 * database with N events through the door, then times, interleaved rep by rep so the machine's
 * noise hits each alike: the door's paged reads (`read()`, pages of 1,000 by LIMIT) into one
 * verifier, which is how PostgreSQL verified before; the door's verifyChain over 1, 2 and 4
 * ranges (each a server cursor on its own connection, hashed on this thread); and 2 ranges in worker
 * threads, each with its own door. Needs the PostgreSQL of .ci/run; drops its database at the end.
 *
 *   npm run build && node dist/bench/postgres-verify.js [--events N] [--reps R]
 */
const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    reps: { type: 'string', default: '3' },
    admin: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
  },
});
const events = Number(values.events);
const reps = Number(values.reps);

async function pagedStream(door: LedgerDoor): Promise<ChainReport> {
  const verifier = new ChainVerifier({ hasher: nodeEventHasher });
  for await (const row of door.read()) verifier.push(row);
  return verifier.finish();
}

function inWorkers(url: string, head: number): Promise<ChainReport> {
  const reports = segmentRanges(head, 2).map((range) => {
    const worker = new Worker(new URL('./postgres-verify-worker.js', import.meta.url), {
      workerData: { url, ...(range.from === undefined ? {} : { from_seq: range.from }), to_seq: range.to },
    });
    return new Promise<ChainReport>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    }).finally(() => worker.terminate());
  });
  return Promise.all(reports).then((parts) => mergeChainReports(parts));
}

const admin = new pg.Client({ connectionString: values.admin });
await admin.connect();
const name = `kfm_bench_${randomBytes(5).toString('hex')}`;
await admin.query(`CREATE DATABASE ${name}`);
try {
  const url = new URL(values.admin);
  url.pathname = `/${name}`;
  const door = await openKfmLedger(url.toString(), { actor: BENCH_ACTOR });
  const drafts = new DraftGenerator();
  for (let done = 0; done < events; done += 1000)
    await door.append(drafts.next(Math.min(1000, events - done)));
  const head = (await door.head()).seq;
  const load = loadavg()[0]!;
  const variants: [string, () => Promise<ChainReport>][] = [
    ["door's paged reads (LIMIT, pages of 1,000) into one verifier: before ranges", () => pagedStream(door)],
    ['verifyChain, 1 range (a cursor on one connection)', () => door.verifyChain({ threads: 1 })],
    [
      'verifyChain, 2 ranges (a cursor on a connection each, hashed on this thread)',
      () => door.verifyChain({ threads: 2 }),
    ],
    ['verifyChain, 4 ranges', () => door.verifyChain({ threads: 4 })],
    ['2 ranges in worker threads, a door each', () => inWorkers(url.toString(), head)],
  ];
  const ms = variants.map(() => [] as number[]);
  for (let r = 0; r < reps; r++) {
    for (const [i, [label, verify]] of variants.entries()) {
      const t = performance.now();
      const report = await verify();
      ms[i]!.push(performance.now() - t);
      if (!report.ok || report.events !== head) throw new Error(`${label}: ${JSON.stringify(report)}`);
    }
  }
  await door.close();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`${head} events, ${reps} reps (median), load average ${load.toFixed(1)} at start`);
  console.log('| verify of the PostgreSQL ledger | events/s |');
  console.log('|---|---:|');
  for (const [i, [label]] of variants.entries())
    console.log(`| ${label} | ${Math.round((head / median(ms[i]!)) * 1000).toLocaleString('en-US')} |`);
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}
