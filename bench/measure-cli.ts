import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PEAK_RSS_AT_EXIT = new URL('./peak-rss-at-exit.js', import.meta.url).href;

export interface Measured {
  seconds: number;
  rss_mb: number;
  exit: number | null;
}

/** One run of the CLI: wall time, peak RSS (its own VmHWM, reported by peak-rss-at-exit) and exit code. */
export function measure(kfm: string, root: string, args: string[]): Measured {
  const rssFile = join(tmpdir(), `kfm-bench-rss-${process.pid}`);
  const started = performance.now();
  const run = spawnSync(process.execPath, ['--import', PEAK_RSS_AT_EXIT, kfm, '--root', root, ...args], {
    env: { ...process.env, NODE_OPTIONS: '', KFM_BENCH_PEAK_RSS_FILE: rssFile },
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  const seconds = (performance.now() - started) / 1000;
  const rss_mb = Number(readFileSync(rssFile, 'utf8'));
  rmSync(rssFile, { force: true });
  if (run.status !== 0)
    console.error(`kfm ${args.join(' ')} exited ${run.status}:\n${(run.stdout + run.stderr).slice(0, 2000)}`);
  return { seconds, rss_mb, exit: run.status };
}
