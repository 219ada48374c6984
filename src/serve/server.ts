import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { openKfmLedger } from '../compose/open-kfm-ledger.js';
import { registryDirOf } from '../registry/load-registry.js';
import { kfmActor } from '../tool-info.js';
import { zoneLayout } from '../zones/zone-layout.js';
import { ApiError } from './api-error.js';
import { ArtifactGuard } from './artifact-guard.js';
import { ChainHealth } from './chain-health.js';
import { DatasetAccess } from './dataset-access.js';
import { LedgerView } from './ledger-view.js';
import { RegistryView } from './registry-view.js';
import { type Reply, sendReply } from './reply.js';
import { type RequestTrace, routeRequest } from './router.js';
import type { ServeApp } from './serve-app.js';
import { jsonLinesLog, type ServeLog } from './serve-log.js';
import { TokenStore } from './tokens.js';

export interface ServeLimits {
  /** Whole request (headers) must arrive within this (server.requestTimeout). */
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** A socket idle this long is closed (a client that stops reading a stream, too). */
  idleSocketMs: number;
  /** Bytes of request headers (Node's maxHeaderSize; 431 beyond it). */
  maxHeaderSize: number;
  maxConnections: number;
  /** On close: in-flight responses get this long to finish before their sockets are cut. */
  shutdownGraceMs: number;
}

export const DEFAULT_LIMITS: ServeLimits = {
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  idleSocketMs: 60_000,
  maxHeaderSize: 8 * 1024,
  maxConnections: 1024,
  shutdownGraceMs: 30_000,
};

export interface ServeOptions {
  /** The KFM root: data/registry, data/processed, and (by default) ledger/kfm.sqlite. */
  root: string;
  /** The ledger (a path or a URL, see openKfmLedger); default ledger/kfm.sqlite in the root. */
  ledger?: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  tokens?: TokenStore;
  log?: ServeLog;
  limits?: Partial<ServeLimits>;
  /** Minimum time between two verifications asked for through /healthz?verify=1. */
  verifyMinIntervalMs?: number;
  /** The clock that spaces those verifications and stamps them (default Date.now; tests move their own). */
  now?: () => number;
}

export interface RunningServer {
  url: string;
  server: Server;
  /** Stops accepting, lets in-flight responses finish (up to shutdownGraceMs), closes the ledger. */
  close(): Promise<void>;
}

/**
 * Starts the governed read API (`kfm serve`): opens the ledger (a reader beside any writer, WAL),
 * verifies the chain once, then listens. Only GET and HEAD, no request bodies, bounded headers and
 * timeouts; every refusal is logged as one JSON line.
 */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const log = options.log ?? jsonLinesLog((line) => process.stderr.write(line));
  const tokens = options.tokens ?? new TokenStore([]);
  const layout = zoneLayout(options.root);
  // Read-only, as every reader: the server never creates, migrates or writes the ledger.
  const ledger = await openKfmLedger(options.ledger ?? join(layout.root, 'ledger', 'kfm.sqlite'), {
    actor: kfmActor(),
    readOnly: true,
  });
  const health = new ChainHealth(ledger, {
    minIntervalMs: options.verifyMinIntervalMs ?? 10_000,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const app: ServeApp = {
    access: new DatasetAccess(new RegistryView(registryDirOf(layout.root)), layout.processed),
    artifacts: new ArtifactGuard(layout.processed),
    health,
    ledger: new LedgerView(ledger),
    log,
  };
  const state = { closing: false };
  let server: Server;
  try {
    const verification = await health.verify();
    log(verification.ok ? 'info' : 'error', 'chain verified', {
      ok: verification.ok,
      head: verification.head,
      failures: verification.failures.length + verification.failures_omitted,
    });
    server = createServer({
      maxHeaderSize: limits.maxHeaderSize,
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout: limits.headersTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // How often Node checks the two timeouts above (default 30 s would let a slow client stay 30 s longer).
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
    });
    server.maxConnections = limits.maxConnections;
    server.setTimeout(limits.idleSocketMs, (socket: Socket) => socket.destroy());
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      void answer(app, tokens, req, res, state, log).finally(() => {
        if (state.closing) server.closeIdleConnections();
      });
    });
    server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) =>
      clientError(error, socket, log),
    );
    await listen(server, options.port ?? 8080, options.host ?? '127.0.0.1');
  } catch (error) {
    await ledger.close();
    throw error;
  }
  const url = urlOf(server.address() as AddressInfo);
  log('info', 'listening', { url, tokens: tokens.size });
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= new Promise<void>((resolve) => {
      state.closing = true;
      // Node ≥ 19 also closes idle keep-alive sockets here; busy ones close after their response.
      server.close(() => {
        clearTimeout(force);
        void ledger.close().finally(() => {
          log('info', 'stopped', {});
          resolve();
        });
      });
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), limits.shutdownGraceMs);
      force.unref();
    });
    return closed;
  };
  return { url, server, close };
}

async function answer(
  app: ServeApp,
  tokens: TokenStore,
  req: IncomingMessage,
  res: ServerResponse,
  state: { closing: boolean },
  log: ServeLog,
): Promise<void> {
  const trace: RequestTrace = {};
  let reply: Reply;
  try {
    reply = await routeRequest(app, tokens, req, trace);
  } catch (thrown) {
    const error = asApiError(thrown, log);
    logRefusal(log, error, req, trace);
    reply = {
      kind: 'json',
      status: error.status,
      body: error.body(),
      headers: { ...error.headers, 'Cache-Control': 'no-store' },
    };
  }
  // While shutting down, each answer is the last on its connection (RFC 9112 §9.6).
  if (state.closing) res.setHeader('Connection', 'close');
  try {
    await sendReply(res, reply, req.method === 'HEAD');
  } catch (error) {
    log('error', 'response failed', { message: (error as Error).message });
    res.destroy();
  }
}

function asApiError(thrown: unknown, log: ServeLog): ApiError {
  if (thrown instanceof ApiError) return thrown;
  // Unexpected: the client learns only that it happened; the operator gets the message.
  log('error', 'internal error', { message: (thrown as Error)?.message ?? String(thrown) });
  return new ApiError('INTERNAL', 'internal error; the server log has the details', { reason: 'exception' });
}

function logRefusal(log: ServeLog, error: ApiError, req: IncomingMessage, trace: RequestTrace): void {
  const caller = trace.caller;
  log(error.status >= 500 ? 'error' : 'warn', 'refused', {
    status: error.status,
    code: error.code,
    ...(error.reason === undefined ? {} : { reason: error.reason }),
    method: String(req.method).slice(0, 16),
    // The path only (never the query), cut short: it is whatever the client typed.
    path: (trace.path ?? req.url?.split('?')[0] ?? '').slice(0, 256),
    caller: caller === undefined ? 'unknown' : caller.kind,
    ...(caller?.kind === 'token' ? { token_id: caller.id } : {}),
    remote: req.socket.remoteAddress,
  });
}

/** Malformed requests, oversized headers and timeouts never reach a handler; answer them in JSON too. */
function clientError(error: NodeJS.ErrnoException, socket: Socket, log: ServeLog): void {
  const [status, code, text] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'HEADERS_TOO_LARGE', 'Request Header Fields Too Large']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'REQUEST_TIMEOUT', 'Request Timeout']
        : [400, 'BAD_REQUEST', 'Bad Request'];
  log('warn', 'refused', {
    status,
    code,
    reason: error.code ?? 'client error',
    remote: socket.remoteAddress,
  });
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const body = `${JSON.stringify({ code, message: text.toLowerCase(), details: {} })}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function urlOf(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}
