import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { ServeLog } from '../../src/serve/serve-log.js';
import { type RunningServer, type ServeOptions, startServer } from '../../src/serve/server.js';
import { KFM_BIN, type StageJson, stage } from './kfm-cli.js';

/**
 * Helpers for the API tests (test/integration/serve*.test.ts): real roots made by the built CLI
 * (`kfm demo`, `kfm promote` …), the server started in-process on 127.0.0.1 with an ephemeral port,
 * and a raw HTTP client. node:http is used rather than fetch because fetch normalises the URL
 * (`%2e%2e` becomes `..` and is resolved away), and the traversal tests must send bytes as written.
 */

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
  json: <T = Record<string, unknown>>() => T;
}

export interface HttpOptions {
  method?: string;
  token?: string;
  headers?: Record<string, string>;
  body?: string;
}

/** Sends `path` exactly as given (no normalisation, no encoding) and collects the answer. */
export function http(base: string, path: string, options: HttpOptions = {}): Promise<HttpAnswer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: options.method ?? 'GET',
        agent: false,
        headers: {
          ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
          ...(options.body === undefined
            ? {}
            : { 'content-length': String(Buffer.byteLength(options.body)) }),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          const text = body.toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            text,
            json: <T>() => JSON.parse(text) as T,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** ingest → validate → promote of one dataset in `root`, failing loudly on any other outcome. */
export async function promoteDataset(root: string, datasetId: string): Promise<StageJson> {
  const ingest = await stage(root, ['ingest', datasetId]);
  await stage(root, ['validate', datasetId, '--run_id', ingest.json.run_id]);
  return (await stage(root, ['promote', datasetId, '--run_id', ingest.json.run_id])).json;
}

/** Rewrites one registry file of a root (the demo registry files are plain YAML). */
export function writeRegistry(root: string, datasetId: string, yaml: string): void {
  writeFileSync(join(root, 'data', 'registry', `${datasetId}.yml`), yaml);
}

export interface TestServer extends RunningServer {
  /** Every line the server logged, parsed. */
  logs: Record<string, unknown>[];
  /** The raw log text, to check that no secret ever appears in it. */
  logText: () => string;
}

/** startServer on 127.0.0.1:0 with a capturing log; close it in afterAll. */
export async function startTestServer(
  options: Omit<ServeOptions, 'log' | 'port' | 'host'>,
): Promise<TestServer> {
  const logs: Record<string, unknown>[] = [];
  const log: ServeLog = (level, msg, fields = {}) => logs.push({ level, msg, ...fields });
  const running = await startServer({ ...options, host: '127.0.0.1', port: 0, log });
  return { ...running, logs, logText: () => logs.map((l) => JSON.stringify(l)).join('\n') };
}

export interface ServeProcess {
  /** The URL `kfm serve` printed once it listened. */
  url: string;
  child: ChildProcessByStdio<null, Readable, Readable>;
  /** What it wrote to stderr so far (its JSON-lines log). */
  stderr: () => string;
  /** Its exit code, once it ended. */
  exited: Promise<number | null>;
  /** Resolves once it has logged a line with this `msg` (`stopping`: it received the stop signal). */
  logged(msg: string): Promise<void>;
}

/**
 * The built `kfm --root <root> serve --port 0 …` as a child process, resolved when it prints its
 * readiness line (`listening on <url>`); rejected with its output if it ends before that.
 */
export function spawnServe(root: string, args: readonly string[] = []): Promise<ServeProcess> {
  const child = spawn(process.execPath, [KFM_BIN, '--root', root, 'serve', '--port', '0', ...args], {
    env: { ...process.env, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const hasLogged = (msg: string) =>
    stderr
      .split('\n')
      .slice(0, -1)
      .some((line) => (JSON.parse(line) as { msg?: unknown }).msg === msg);
  const logged = (msg: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!hasLogged(msg)) return;
        child.stderr.off('data', check);
        resolve();
      };
      child.stderr.on('data', check);
      void exited.then(() => reject(new Error(`kfm serve ended without logging ${msg}:\n${stderr}`)));
      check();
    });
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
      if (match) resolve({ url: match[1]!, child, stderr: () => stderr, exited, logged });
    });
    child.on('close', () => reject(new Error(`kfm serve ended before listening:\n${stdout}\n${stderr}`)));
  });
}
