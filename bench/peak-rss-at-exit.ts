import { writeFileSync } from 'node:fs';
import { peakRssMb } from './peak-rss.js';

/**
 * Preloaded (`node --import`) into a CLI the benchmark spawns: at exit, writes the process's peak RSS
 * in MB (VmHWM, see peak-rss.ts) to $KFM_BENCH_PEAK_RSS_FILE. Measured outside, ru_maxrss would
 * report at least the benchmark's own peak, which survives fork and execve.
 */
const file = process.env.KFM_BENCH_PEAK_RSS_FILE;
if (file !== undefined) process.on('exit', () => writeFileSync(file, String(peakRssMb())));
