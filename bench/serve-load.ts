import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, get } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/**
 * `npm run build && node dist/bench/serve-load.js [--requests N --concurrency C --root DIR --json]`:
 * the load test of issue 7. `kfm serve --port 0` runs as its own process over a `kfm demo` root
 * (made in a temp folder unless --root is given); C keep-alive clients on loopback share N requests
 * over every endpoint of every dataset (list, dataset, version, artifact, provenance, lineage,
 * healthz). Every answer must be 200 and every artifact's sha256 must equal its ETag: any error
 * fails the run (exit 1). Prints requests/s and latency percentiles; not part of `npm test`.
 */

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '32' },
    root: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});

const KFM = fileURLToPath(new URL('../cli/kfm.js', import.meta.url));
const requests = Number(values.requests);
const concurrency = Number(values.concurrency);
if (!Number.isInteger(requests) || requests <= 0 || !Number.isInteger(concurrency) || concurrency <= 0)
  throw new Error('--requests and --concurrency take positive integers');

interface Answer {
  status: number;
  body: Buffer;
  etag: string | undefined;
}

const agent = new Agent({ keepAlive: true, maxSockets: concurrency });

function fetchPath(base: string, path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    get(`${base}${path}`, { agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), etag: res.headers.etag }),
      );
      res.on('error', reject);
    }).on('error', reject);
  });
}

async function startServe(root: string): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, [KFM, '--root', root, 'serve', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const base = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const match = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.on('close', (code) => reject(new Error(`kfm serve exited ${code} before listening`)));
  });
  return { child, base };
}

/** Every GET path of the API over the demo datasets (artifacts with their expected sha256). */
async function requestMix(base: string): Promise<{ path: string; sha256?: string }[]> {
  const mix: { path: string; sha256?: string }[] = [{ path: '/datasets' }, { path: '/healthz' }];
  const list = JSON.parse((await fetchPath(base, '/datasets')).body.toString()) as {
    datasets: { dataset_id: string; latest_version: { version_id: string } | null }[];
  };
  for (const d of list.datasets) {
    mix.push({ path: `/datasets/${d.dataset_id}` }, { path: `/lineage/${d.dataset_id}` });
    if (d.latest_version === null) continue;
    const vpath = `/datasets/${d.dataset_id}/versions/${d.latest_version.version_id}`;
    mix.push({ path: vpath }, { path: `${vpath}/provenance` });
    const version = JSON.parse((await fetchPath(base, vpath)).body.toString()) as {
      artifacts: { sha256: string; links: { self: string } }[];
    };
    for (const a of version.artifacts)
      mix.push({ path: a.links.self, sha256: a.sha256 }, { path: a.links.self, sha256: a.sha256 });
  }
  return mix;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main(): Promise<number> {
  const made = values.root === undefined ? mkdtempSync(join(tmpdir(), 'kfm-serve-load-')) : undefined;
  const root = values.root ?? join(made!, 'root');
  try {
    if (made !== undefined) {
      const demo = spawnSync(process.execPath, [KFM, 'demo', '--root', root], { encoding: 'utf8' });
      if (demo.status !== 0) throw new Error(`kfm demo exited ${demo.status}: ${demo.stderr}`);
    }
    const { child, base } = await startServe(root);
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const mix = await requestMix(base);
    const latencies: number[] = [];
    const errors: string[] = [];
    let next = 0;
    const began = performance.now();
    const client = async () => {
      for (let i = next++; i < requests; i = next++) {
        const { path, sha256 } = mix[i % mix.length]!;
        const start = performance.now();
        try {
          const answer = await fetchPath(base, path);
          latencies.push(performance.now() - start);
          if (answer.status !== 200) errors.push(`${path}: ${answer.status}`);
          else if (sha256 !== undefined) {
            const digest = createHash('sha256').update(answer.body).digest('hex');
            if (digest !== sha256 || answer.etag !== `"${sha256}"`) errors.push(`${path}: sha256 ${digest}`);
          }
        } catch (error) {
          errors.push(`${path}: ${(error as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, client));
    const seconds = (performance.now() - began) / 1000;
    agent.destroy();
    child.kill('SIGTERM');
    const exit = await exited;
    latencies.sort((a, b) => a - b);
    const result = {
      requests,
      concurrency,
      endpoints: mix.length,
      errors: errors.length,
      seconds: Number(seconds.toFixed(2)),
      requests_per_second: Math.round(requests / seconds),
      latency_ms: Object.fromEntries(
        [50, 90, 99]
          .map((p) => [`p${p}`, Number(percentile(latencies, p).toFixed(2))])
          .concat([['max', Number(latencies.at(-1)!.toFixed(2))]]),
      ),
      server_exit: exit,
      machine: {
        cpus: cpus().length,
        model: cpus()[0]?.model ?? 'unknown',
        loadavg: loadavg().map((l) => Number(l.toFixed(2))),
        node: process.version,
      },
    };
    if (values.json) console.log(JSON.stringify(result));
    else {
      console.log(
        `kfm serve load: ${requests} requests, ${concurrency} parallel keep-alive clients, ${mix.length} endpoints, loopback`,
      );
      console.log(
        `  ${result.requests_per_second} requests/s over ${result.seconds} s; errors ${errors.length}`,
      );
      console.log(
        `  latency ms: p50 ${result.latency_ms.p50}  p90 ${result.latency_ms.p90}  p99 ${result.latency_ms.p99}  max ${result.latency_ms.max}`,
      );
      console.log(
        `  server stopped by SIGTERM with exit ${exit}; ${result.machine.cpus} × ${result.machine.model}, load ${result.machine.loadavg.join(' ')}, node ${process.version}`,
      );
      for (const e of errors.slice(0, 10)) console.log(`  error: ${e}`);
    }
    return errors.length === 0 && exit === 0 ? 0 : 1;
  } finally {
    if (made !== undefined) rmSync(made, { recursive: true, force: true });
  }
}

process.exitCode = await main();
