import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openKfmLedger } from '../src/compose/open-kfm-ledger.js';
import type { LedgerDoor } from '../src/ledger/ledger-door.js';
import { rowFromSealed } from '../src/ledger/ledger-store.js';
import { insertRows } from '../src/ledger/postgres/postgres-ledger.js';
import { BENCH_ACTOR, DraftGenerator } from './bench-events.js';

/**
 * The PostgreSQL ledger beside the SQLite ledger and beside a plain PostgreSQL insert of the same
 * rows, in one run: append through the door (1 process, and 4 writer processes at once on
 * PostgreSQL) and chain verify. Needs the PostgreSQL of .ci/run; makes and drops its own databases.
 *
 *   npm run build && node dist/bench/ledger-backends.js [--events N] [--batch B] [--admin URL]
 */
const HERE = fileURLToPath(import.meta.url);
const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '50000' },
    batch: { type: 'string', default: '1000' },
    admin: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    writer: { type: 'string' },
  },
});
const events = Number(values.events);
const batch = Number(values.batch);

if (values.writer !== undefined) {
  // One of the concurrent writers: ready, wait for "go", append its share, exit.
  const door = await openKfmLedger(values.writer, { actor: BENCH_ACTOR });
  const drafts = new DraftGenerator(Number(randomBytes(2).readUInt16BE()));
  process.stdout.write('ready\n');
  await new Promise((resolve) => process.stdin.once('data', resolve));
  for (let done = 0; done < events; done += batch)
    await door.append(drafts.next(Math.min(batch, events - done)));
  await door.close();
  process.exit(0);
}

const admin = new pg.Client({ connectionString: values.admin });
await admin.connect();
const databases: string[] = [];
async function database(): Promise<string> {
  const name = `kfm_bench_${randomBytes(5).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  databases.push(name);
  const url = new URL(values.admin);
  url.pathname = `/${name}`;
  return url.toString();
}

const dir = mkdtempSync(join(tmpdir(), 'kfm-bench-backends-'));
try {
  const sqlite = await openKfmLedger(join(dir, 'kfm.sqlite'), { actor: BENCH_ACTOR, create: true });
  const postgres = await openKfmLedger(await database(), { actor: BENCH_ACTOR });
  const plainPool = new pg.Pool({ connectionString: await database(), max: 1 });
  await plainPool.query(`CREATE TABLE events (seq bigint PRIMARY KEY, event_id text NOT NULL UNIQUE,
    type text NOT NULL, dataset_id text NOT NULL, run_id text NOT NULL, recorded_at text NOT NULL,
    body bytea NOT NULL, prev_hash text NOT NULL, hash text NOT NULL)`);
  const plain = await plainPool.connect();

  const ms = { sqlite: 0, postgres: 0, plain: 0 };
  const generator = new DraftGenerator();
  const load = loadavg()[0]!;
  // Interleaved batch by batch, so the machine's noise (2 shared cores) hits every contender alike.
  for (let done = 0; done < events; done += batch) {
    const drafts = generator.next(Math.min(batch, events - done));
    let t = performance.now();
    await sqlite.append(drafts);
    ms.sqlite += performance.now() - t;
    t = performance.now();
    const appended = await postgres.append(drafts);
    ms.postgres += performance.now() - t;
    const rows = appended.events.map(rowFromSealed);
    t = performance.now();
    await plain.query('BEGIN');
    await insertRows(plain, rows);
    await plain.query('COMMIT');
    ms.plain += performance.now() - t;
  }
  plain.release();
  await plainPool.end();

  const verify = async (door: LedgerDoor) => {
    const t = performance.now();
    const report = await door.verifyChain();
    if (!report.ok) throw new Error(`verify failed on ${door.target}`);
    return { ms: performance.now() - t };
  };
  const verified = { sqlite: await verify(sqlite), postgres: await verify(postgres) };
  await sqlite.close();
  await postgres.close();

  const writersUrl = await database();
  await (await openKfmLedger(writersUrl, { actor: BENCH_ACTOR })).close();
  const each = Math.floor(events / 4);
  const children = Array.from({ length: 4 }, () =>
    spawn(
      process.execPath,
      [HERE, '--writer', writersUrl, '--events', String(each), '--batch', String(batch)],
      {
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    ),
  );
  await Promise.all(children.map((c) => new Promise((resolve) => c.stdout.once('data', resolve))));
  const start = performance.now();
  const exited = children.map((c) => new Promise((resolve) => c.once('exit', resolve)));
  for (const c of children) c.stdin.end('go\n');
  await Promise.all(exited);
  const fourMs = performance.now() - start;

  const rate = (n: number, millis: number) => Math.round((n / millis) * 1000).toLocaleString('en-US');
  console.log(`events ${events}, batches of ${batch}, load average ${load.toFixed(1)} at start`);
  console.log('| measure | events/s |');
  console.log('|---|---:|');
  console.log(`| append, SQLite ledger, 1 process | ${rate(events, ms.sqlite)} |`);
  console.log(`| append, PostgreSQL ledger, 1 process | ${rate(events, ms.postgres)} |`);
  console.log(
    `| plain PostgreSQL insert of the same rows (no triggers, no projections) | ${rate(events, ms.plain)} |`,
  );
  console.log(
    `| append, PostgreSQL ledger, 4 writer processes at once (total) | ${rate(each * 4, fourMs)} |`,
  );
  console.log(`| verify, SQLite ledger | ${rate(events, verified.sqlite.ms)} |`);
  console.log(`| verify, PostgreSQL ledger | ${rate(events, verified.postgres.ms)} |`);
} finally {
  rmSync(dir, { recursive: true, force: true });
  for (const name of databases) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}
