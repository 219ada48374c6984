import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runAppendPhase } from './append-phase.js';
import { runBreakdown } from './breakdown.js';
import { type BenchReport, printReport } from './report.js';
import { type ChildResult, runCliVerify, runVerifyChild } from './verify-phase.js';

/**
 * `npm run bench [-- --events N --batch B --variant-events V --breakdown M --reps R --keep]`: the
 * ledger benchmark of issue 2. The first V events (default 250000; 0: none) also go to ledger
 * variants without the read indexes, the linear-insert trigger or the projection tables. Ledger
 * files go to a fresh folder under os.tmpdir() (removed unless --keep); the results go to
 * bench/out/results.json. BENCHMARKS.md says what each figure means.
 */

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    batch: { type: 'string', default: '1000' },
    breakdown: { type: 'string', default: '100000' },
    reps: { type: 'string', default: '3' },
    'variant-events': { type: 'string', default: '250000' },
    keep: { type: 'boolean', default: false },
  },
});

function positive(name: string, text: string): number {
  const value = Number(text.replace(/_/g, ''));
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`--${name} ${text}: expected a positive integer`);
  return value;
}

/** Far below the RSS verify reaches: it completes only if what it keeps alive stays small. */
const CAPPED_OLD_SPACE_MB = 24;
const events = positive('events', values.events);
const batch = positive('batch', values.batch);
const breakdownCount = Math.min(events, positive('breakdown', values.breakdown));
const reps = positive('reps', values.reps);
const dir = mkdtempSync(join(tmpdir(), 'kfm-bench-'));
const began = performance.now();
const log = (line: string) =>
  process.stderr.write(`[bench ${((performance.now() - began) / 1000).toFixed(1)} s] ${line}\n`);

const loadBefore = loadavg();
try {
  log(`${events} events, batches of ${batch}, ledgers in ${dir}`);
  const checkpoints: ChildResult[] = [];
  // RSS of verify at a tenth and at half of the ledger, to set beside the full size.
  const checkpointsAt = [Math.max(batch, Math.floor(events / 10)), Math.max(batch, Math.floor(events / 2))];
  const append = await runAppendPhase({
    dir,
    events,
    batch,
    variantEvents: Math.min(events, Number(values['variant-events'].replace(/_/g, ''))),
    checkpointsAt,
    onCheckpoint: (count, path) => {
      log(`checkpoint at ${count} events: verify + reference in child processes`);
      checkpoints.push(runVerifyChild('reference', path), runVerifyChild('verify', path));
    },
  });
  log(`appended; ledger ${append.ledger_path}`);
  const final: ChildResult[] = [];
  for (let r = 0; r < reps; r++) {
    log(`final verify rep ${r + 1}/${reps}`);
    final.push(
      runVerifyChild('reference', append.ledger_path),
      runVerifyChild('verify', append.ledger_path),
      runVerifyChild('verify-all-cores', append.ledger_path),
    );
  }
  log(`verify with V8's old space capped at ${CAPPED_OLD_SPACE_MB} MB`);
  const capped = runVerifyChild('verify', append.ledger_path, [
    `--max-old-space-size=${CAPPED_OLD_SPACE_MB}`,
  ]);
  log('kfm verify --json (the CLI itself)');
  const cli = runCliVerify(append.ledger_path, dir);
  log(`breakdown over ${breakdownCount} events`);
  const breakdown = await runBreakdown(breakdownCount, batch, append.ledger_path);
  const report: BenchReport = {
    date: new Date().toISOString(),
    machine: {
      nproc: cpus().length,
      cpu: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      load_before: loadBefore,
      load_after: loadavg(),
    },
    append,
    checkpoints,
    final,
    capped,
    cli,
    breakdown,
  };
  printReport(report);
  const out = new URL('../../bench/out/', import.meta.url);
  mkdirSync(out, { recursive: true });
  writeFileSync(new URL('results.json', out), `${JSON.stringify(report, null, 2)}\n`);
  log('results written to bench/out/results.json');
} finally {
  if (values.keep) log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
