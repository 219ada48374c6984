import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openKfmLedger } from '../src/compose/open-kfm-ledger.js';
import { openKfmSqliteLedger } from '../test/support/kfm-ledgers.js';
import { BENCH_ACTOR, DraftGenerator } from './bench-events.js';

/**
 * What the async ledger door costs over the synchronous SQLite calls behind it, in one run: the
 * same drafts appended in batches to two fresh SQLite files, one through the door (`openKfmLedger`:
 * `await door.append`) and one through the SqliteLedger it wraps (`appendEvents`), interleaved batch
 * by batch so the machine's noise hits both alike; then every event read back, rep by rep
 * alternating, through the door (`for await … of door.read()`, pages of 1,000) and through
 * `readEvents()` (one statement's iterator). Prints each and the door/sync ratio.
 *
 *   npm run build && node dist/bench/door-overhead.js [--events N] [--batch B] [--reps R]
 */
const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    batch: { type: 'string', default: '1000' },
    reps: { type: 'string', default: '5' },
  },
});
const events = Number(values.events);
const batch = Number(values.batch);
const reps = Number(values.reps);

const dir = mkdtempSync(join(tmpdir(), 'kfm-bench-door-'));
try {
  const door = await openKfmLedger(join(dir, 'door.sqlite'), { actor: BENCH_ACTOR, create: true });
  const sync = await openKfmSqliteLedger(join(dir, 'sync.sqlite'), { actor: BENCH_ACTOR, create: true });
  const load = loadavg()[0]!;
  const append = { door: 0, sync: 0 };
  const drafts = new DraftGenerator();
  for (let done = 0; done < events; done += batch) {
    const next = drafts.next(Math.min(batch, events - done));
    let t = performance.now();
    await door.append(next);
    append.door += performance.now() - t;
    t = performance.now();
    sync.appendEvents(next);
    append.sync += performance.now() - t;
  }
  const read = { door: [] as number[], sync: [] as number[] };
  for (let r = 0; r < reps; r++) {
    let t = performance.now();
    let n = 0;
    for await (const _ of door.read()) n++;
    read.door.push(performance.now() - t);
    t = performance.now();
    let m = 0;
    for (const _ of sync.readEvents()) m++;
    read.sync.push(performance.now() - t);
    if (n !== events || m !== events) throw new Error(`read ${n} and ${m} of ${events} events`);
  }
  await door.close();
  sync.close();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const rate = (millis: number) => Math.round((events / millis) * 1000).toLocaleString('en-US');
  const row = (what: string, doorMs: number, syncMs: number) =>
    console.log(`| ${what} | ${rate(doorMs)} | ${rate(syncMs)} | ${(doorMs / syncMs).toFixed(2)} |`);
  console.log(
    `${events} events, batches of ${batch}, reads: median of ${reps}, load average ${load.toFixed(1)} at start`,
  );
  console.log('| SQLite ledger | door, events/s | sync calls, events/s | door time / sync time |');
  console.log('|---|---:|---:|---:|');
  row(`append, batches of ${batch}`, append.door, append.sync);
  row('read every event', median(read.door), median(read.sync));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
