import { spawnSync } from 'node:child_process';
import { closeSync, createReadStream, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parse as parseCsvStream } from 'csv-parse';
import { profileFiles } from '../src/contract/validation/profile-outputs.js';
import { CSV_OPTIONS } from '../src/contract/validation/read-records.js';
import { peakRssMb } from './peak-rss.js';

/**
 * `node dist/bench/profile-csv.js [--size-mib 1024] [--json]`: issue 17's profiling benchmark. Writes
 * a CSV of the given size to os.tmpdir() (a unique integer id, a station of 500, a day, a decimal
 * reading, a flag, a note empty one row in ten: every kind of column, two of them past the exact
 * distinct limit), then, once each, in child processes with their own peak RSS: the profile
 * validate computes (profileFiles, keys [id]), csv-parse alone on the same stream (the parsing the
 * profile cannot avoid), and `wc -l` of the file (the reference the issue names). The file is
 * deleted at the end. Target: peak RSS ≤ 150 MB.
 */

const SELF = fileURLToPath(import.meta.url);

interface ChildResult {
  seconds: number;
  rows: number;
  max_rss_mb: number;
  distinct_id?: number;
  distinct_exact?: boolean;
}

async function child(kind: string, source: string): Promise<void> {
  const began = performance.now();
  let result: Omit<ChildResult, 'seconds' | 'max_rss_mb'>;
  if (kind === 'profile') {
    const acc = await profileFiles({ format: 'csv', keys: ['id'] }, [{ path: 'bench.csv', file: source }]);
    const profile = acc.measure();
    const id = profile.columns.find((c) => c.name === 'id');
    result = {
      rows: profile.rows,
      distinct_id: id?.distinct ?? 0,
      distinct_exact: id?.distinct_exact ?? true,
    };
  } else {
    let rows = 0;
    const parser = createReadStream(source).pipe(parseCsvStream(CSV_OPTIONS));
    for await (const _ of parser) rows++;
    result = { rows };
  }
  const seconds = (performance.now() - began) / 1000;
  process.stdout.write(`${JSON.stringify({ seconds, ...result, max_rss_mb: peakRssMb() })}\n`);
}

function runChild(kind: 'profile' | 'parse', source: string): ChildResult {
  const done = spawnSync(process.execPath, [SELF, '--child', kind, '--source', source], { encoding: 'utf8' });
  if (done.status !== 0) throw new Error(`${kind} child failed (${done.status}): ${done.stderr}`);
  return JSON.parse(done.stdout) as ChildResult;
}

function wcLines(source: string): { seconds: number; lines: number } {
  const began = performance.now();
  const done = spawnSync('wc', ['-l', source], { encoding: 'utf8' });
  if (done.status !== 0) throw new Error(`wc failed (${done.status}): ${done.stderr}`);
  return { seconds: (performance.now() - began) / 1000, lines: Number.parseInt(done.stdout, 10) };
}

/** Deterministic rows (a linear congruential sequence), written in 4 MiB pieces; returns the row count. */
function generate(path: string, bytes: number): number {
  const fd = openSync(path, 'wx');
  let written = writeSync(fd, 'id,station,day,reading,flag,note\n');
  let rows = 0;
  let x = 12345;
  try {
    while (written < bytes) {
      const lines: string[] = [];
      let size = 0;
      while (size < 4 << 20 && written + size < bytes) {
        x = (x * 1103515245 + 12345) % 2147483648;
        const day = `20${String(10 + (x % 15)).padStart(2, '0')}-${String(1 + (x % 12)).padStart(2, '0')}-${String(1 + (x % 28)).padStart(2, '0')}`;
        const line = `${rows},KS${String(x % 500).padStart(3, '0')},${day},${(x % 100000) / 100},${x % 2 === 0},${x % 10 === 0 ? '' : `note ${x % 1000}`}\n`;
        lines.push(line);
        size += line.length;
        rows++;
      }
      written += writeSync(fd, lines.join(''));
    }
  } finally {
    closeSync(fd);
  }
  return rows;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'size-mib': { type: 'string', default: '1024' },
      json: { type: 'boolean', default: false },
      child: { type: 'string' },
      source: { type: 'string' },
    },
  });
  if (values.child !== undefined) return child(values.child, values.source ?? '');
  const mib = Number(values['size-mib']);
  if (!Number.isInteger(mib) || mib <= 0)
    throw new Error(`--size-mib ${values['size-mib']}: expected a positive integer`);
  const dir = mkdtempSync(join(tmpdir(), 'kfm-profile-csv-'));
  const log = (line: string) => process.stderr.write(`[profile-csv] ${line}\n`);
  const load = [loadavg()[0]];
  try {
    const source = join(dir, 'bench.csv');
    log(`generating ${mib} MiB in ${dir}`);
    const rows = generate(source, mib * (1 << 20));
    log('wc -l');
    const wc = wcLines(source);
    log('csv-parse alone');
    const parse = runChild('parse', source);
    log('profile');
    const profile = runChild('profile', source);
    load.push(loadavg()[0]);
    if (profile.rows !== rows || parse.rows !== rows || wc.lines !== rows + 1)
      throw new Error(
        `row counts disagree: generated ${rows}, profile ${profile.rows}, parse ${parse.rows}, wc ${wc.lines}`,
      );
    const result = {
      date: new Date().toISOString(),
      machine: { nproc: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version },
      load_average: load.map((l) => Number(l?.toFixed(2))),
      bytes: mib * (1 << 20),
      rows,
      seconds: {
        profile: Number(profile.seconds.toFixed(2)),
        csv_parse_alone: Number(parse.seconds.toFixed(2)),
        wc_l: Number(wc.seconds.toFixed(2)),
      },
      profile_vs_csv_parse: Number((profile.seconds / parse.seconds).toFixed(2)),
      profile_vs_wc_l: Number((profile.seconds / wc.seconds).toFixed(1)),
      max_rss_mb: {
        profile: Number(profile.max_rss_mb.toFixed(1)),
        csv_parse_alone: Number(parse.max_rss_mb.toFixed(1)),
      },
      id_distinct: {
        estimate: profile.distinct_id,
        exact: rows,
        error: Number(((profile.distinct_id ?? 0) / rows - 1).toFixed(4)),
      },
      target_rss_le_150_mb: profile.max_rss_mb <= 150,
    };
    process.stdout.write(
      values.json ? `${JSON.stringify(result, null, 2)}\n` : `${JSON.stringify(result)}\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
    log(`removed ${dir}`);
  }
}

await main();
