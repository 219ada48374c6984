import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, createReadStream, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sha256File } from '../src/zones/file-digest.js';
import { zoneLayout } from '../src/zones/zone-layout.js';
import { createZoneWriter } from '../src/zones/zone-writer.js';
import { peakRssMb } from './peak-rss.js';

/**
 * `node dist/bench/raw-capture.js [--size-mib 1024] [--runs 3] [--chunk-kib 64] [--json]`: issue 3's
 * raw-capture benchmark. Generates a file in os.tmpdir(), then per run (tools interleaved, so a
 * noisy neighbour hurts all alike): captureStream in a child process (read + sha256 + write +
 * fsync + rename + folder fsync, as ingest does; its own max RSS), node's sha256File (read + hash
 * only), `dd conv=fsync` (copy + fsync, no hash: what the disk alone costs), `sha256sum` and
 * `openssl dgst -sha256` on the same file.
 * Medians are reported; the target is capture >= 0.8x openssl and capture RSS < 100 MB.
 * Everything generated is deleted at the end.
 */

interface ChildResult {
  seconds: number;
  sha256: string;
  bytes: number;
  max_rss_mb: number;
}

const SELF = fileURLToPath(import.meta.url);

/** Child mode: one measured operation, result as JSON on stdout; its peak RSS is its own (peak-rss.ts). */
async function child(kind: string, source: string, root: string, chunkKib: number): Promise<void> {
  const began = performance.now();
  let result: { sha256: string; bytes: number };
  if (kind === 'idle') {
    // Node's own footprint with the same modules loaded: what the capture's RSS is compared to.
    result = { sha256: '', bytes: 0 };
  } else if (kind === 'capture') {
    const writer = createZoneWriter(zoneLayout(root), ['raw'], { stage: 'bench' });
    // The default 64 KiB chunks are what file:// sources and publish-version hand over.
    const stream = createReadStream(source, { highWaterMark: chunkKib * 1024 });
    result = await writer.captureStream('raw', 'bench/captured.bin', stream, { readOnly: true });
  } else {
    result = await sha256File(source);
  }
  const seconds = (performance.now() - began) / 1000;
  const out: ChildResult = { seconds, ...result, max_rss_mb: peakRssMb() };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

function runChild(
  kind: 'capture' | 'hash' | 'idle',
  source: string,
  root: string,
  chunkKib: number,
): ChildResult {
  const args = [SELF, '--child', kind, '--source', source, '--root', root, '--chunk-kib', String(chunkKib)];
  const done = spawnSync(process.execPath, args, { encoding: 'utf8' });
  if (done.status !== 0) throw new Error(`${kind} child failed (${done.status}): ${done.stderr}`);
  return JSON.parse(done.stdout) as ChildResult;
}

/** Wall time of an external hasher; its start-up (~ms) is noise against a GiB. */
function runTool(command: string, args: string[]): { seconds: number; sha256: string } {
  const began = performance.now();
  const done = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
  const seconds = (performance.now() - began) / 1000;
  if (done.status !== 0) throw new Error(`${command} failed (${done.status}): ${done.stderr}`);
  return { seconds, sha256: done.stdout.slice(0, 64) };
}

/** Random 8 MiB blocks (hash speed does not depend on content; no two blocks alike), fsynced. */
function generate(path: string, bytes: number): void {
  const block = randomBytes(8 << 20);
  const fd = openSync(path, 'wx');
  try {
    for (let written = 0, n = 0; written < bytes; n++) {
      block.writeUInt32BE(n, 0);
      written += writeSync(fd, block, 0, Math.min(block.byteLength, bytes - written));
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'size-mib': { type: 'string', default: '1024' },
      runs: { type: 'string', default: '3' },
      'chunk-kib': { type: 'string', default: '64' },
      json: { type: 'boolean', default: false },
      child: { type: 'string' },
      source: { type: 'string' },
      root: { type: 'string' },
    },
  });
  const positive = (name: string, text: string) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} ${text}: expected a positive integer`);
    return n;
  };
  const chunkKib = positive('chunk-kib', values['chunk-kib']);
  if (values.child !== undefined) return child(values.child, values.source!, values.root!, chunkKib);
  const bytes = positive('size-mib', values['size-mib']) * (1 << 20);
  const runs = positive('runs', values.runs);
  const dir = mkdtempSync(join(tmpdir(), 'kfm-raw-capture-'));
  const removeAll = () => rmSync(dir, { recursive: true, force: true });
  process.once('SIGINT', () => {
    removeAll();
    process.exit(130);
  });
  const log = (line: string) => process.stderr.write(`[raw-capture] ${line}\n`);
  try {
    const source = join(dir, 'source.bin');
    log(`generating ${bytes / (1 << 20)} MiB in ${dir}`);
    generate(source, bytes);
    const times: Record<'capture' | 'hash' | 'copy' | 'sha256sum' | 'openssl', number[]> = {
      capture: [],
      hash: [],
      copy: [],
      sha256sum: [],
      openssl: [],
    };
    const rss = { capture: [] as number[], hash: [] as number[] };
    const digests = new Set<string>();
    for (let r = 1; r <= runs; r++) {
      log(`run ${r}/${runs}`);
      const capture = runChild('capture', source, dir, chunkKib);
      if (capture.bytes !== bytes) throw new Error(`captured ${capture.bytes} bytes, expected ${bytes}`);
      rmSync(join(dir, 'data'), { recursive: true, force: true });
      const hash = runChild('hash', source, dir, chunkKib);
      const sum = runTool('sha256sum', [source]);
      const ssl = runTool('openssl', ['dgst', '-sha256', '-r', source]);
      const copy = runTool('dd', [
        `if=${source}`,
        `of=${join(dir, 'copy.bin')}`,
        'bs=1M',
        'conv=fsync',
        'status=none',
      ]);
      rmSync(join(dir, 'copy.bin'));
      for (const d of [capture.sha256, hash.sha256, sum.sha256, ssl.sha256]) digests.add(d);
      times.capture.push(capture.seconds);
      times.hash.push(hash.seconds);
      times.sha256sum.push(sum.seconds);
      times.openssl.push(ssl.seconds);
      times.copy.push(copy.seconds);
      rss.capture.push(capture.max_rss_mb);
      rss.hash.push(hash.max_rss_mb);
    }
    if (digests.size !== 1)
      throw new Error(`the four hashers disagree on the sha256: ${[...digests].join(', ')}`);
    const idle = runChild('idle', source, dir, chunkKib).max_rss_mb;
    report(bytes, runs, chunkKib, times, { ...rss, idle }, values.json);
  } finally {
    removeAll();
    log(`removed ${dir}`);
  }
}

function report(
  bytes: number,
  runs: number,
  chunkKib: number,
  times: Record<string, number[]>,
  rss: { capture: number[]; hash: number[]; idle: number },
  json: boolean,
): void {
  const gbps = (name: string) => bytes / median(times[name]!) / 1e9;
  const ratio = gbps('capture') / gbps('openssl');
  const vsCopy = gbps('capture') / gbps('copy');
  const peak = Math.max(...rss.capture);
  const result = {
    date: new Date().toISOString(),
    machine: { nproc: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version },
    bytes,
    runs,
    chunk_kib: chunkKib,
    seconds: times,
    gb_per_s: Object.fromEntries(Object.keys(times).map((k) => [k, Number(gbps(k).toFixed(3))])),
    capture_vs_openssl: Number(ratio.toFixed(3)),
    capture_vs_dd_copy: Number(vsCopy.toFixed(3)),
    capture_max_rss_mb: Number(peak.toFixed(1)),
    hash_only_max_rss_mb: Number(Math.max(...rss.hash).toFixed(1)),
    idle_node_max_rss_mb: Number(rss.idle.toFixed(1)),
    targets: { ratio_ge_0_8: ratio >= 0.8, rss_lt_100_mb: peak < 100 },
  };
  if (json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const line = (name: string, what: string) =>
    `  ${name.padEnd(10)} ${gbps(name).toFixed(2).padStart(5)} GB/s  (median ${median(times[name]!).toFixed(2)} s; ${what})`;
  process.stdout.write(
    [
      `raw capture of ${bytes / (1 << 20)} MiB, ${runs} runs, ${chunkKib} KiB source chunks, ${result.machine.nproc} cores, node ${process.version}`,
      line('capture', 'captureStream: read + sha256 + write + fsync + rename'),
      line('hash', 'node sha256File: read + sha256 only'),
      line('copy', 'dd bs=1M conv=fsync: copy + fsync, no hash (the disk floor)'),
      line('openssl', 'openssl dgst -sha256'),
      line('sha256sum', 'GNU sha256sum'),
      `  capture / openssl = ${ratio.toFixed(2)}x (target >= 0.8x: ${ratio >= 0.8 ? 'met' : 'NOT met'}); capture / dd copy = ${vsCopy.toFixed(2)}x`,
      `  capture peak RSS = ${peak.toFixed(1)} MB (target < 100 MB: ${peak < 100 ? 'met' : 'NOT met'}); hash-only child ${result.hash_only_max_rss_mb} MB, idle node ${result.idle_node_max_rss_mb} MB`,
      '',
    ].join('\n'),
  );
}

await main();
