import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP/1.1 server on 127.0.0.1 (ephemeral port) that answers each path from a script, so
 * tests exercise the client's retries against real sockets: rate limiting, server errors, bodies cut
 * mid-way and answers slower than the client's timeout. Each path's script is consumed in order; its
 * last step repeats. Every request is recorded, and a listener hears of each one as it arrives.
 */
export type ScriptStep =
  /** 200 with this body (HEAD: the same headers, no body). */
  | { kind: 'ok'; body: string; headers?: Record<string, string> }
  /** Any status, e.g. 429 with `retryAfter: '2'`, 503, 404. */
  | { kind: 'status'; status: number; retryAfter?: string; body?: string }
  /**
   * Declares the full Content-Length, sends only `sendBytes` of the body, then destroys the socket:
   * how many of them the client reads first is up to its timing. A test that needs them read
   * stalls instead and drops the connection itself (FlakyServer.dropConnections).
   */
  | { kind: 'truncate'; body: string; sendBytes: number }
  /** Sends nothing for `delayMs`, then answers 200 with the body (if the client is still there). */
  | { kind: 'slow'; delayMs: number; body: string }
  /** Sends headers and `sendBytes` of the body, then goes silent with the connection open. */
  | { kind: 'stall'; body: string; sendBytes: number };

export interface RecordedRequest {
  method: string;
  path: string;
  /** The request target as sent, query included. */
  url: string;
  headers: IncomingMessage['headers'];
}

export interface FlakyServer {
  readonly base: string;
  url(pathAndQuery: string): string;
  script(path: string, steps: ScriptStep[]): void;
  readonly requests: RecordedRequest[];
  requestsTo(path: string): RecordedRequest[];
  /** Called on each request's arrival, before it is answered: a test can fire its client's timeout there. */
  onRequest(listener: (request: RecordedRequest) => void): void;
  /** Destroys every open connection, a stalled answer's too: the network failing when the test says. */
  dropConnections(): void;
  close(): Promise<void>;
}

export async function startFlakyServer(scripts: Record<string, ScriptStep[]> = {}): Promise<FlakyServer> {
  const plans = new Map(Object.entries(scripts).map(([path, steps]) => [path, [...steps]]));
  const requests: RecordedRequest[] = [];
  const listeners: ((request: RecordedRequest) => void)[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    const path = url.split('?')[0] ?? '/';
    const request = { method: req.method ?? 'GET', path, url, headers: req.headers };
    requests.push(request);
    for (const listener of listeners) listener(request);
    const plan = plans.get(path);
    const step = plan === undefined ? undefined : plan.length > 1 ? plan.shift() : plan[0];
    if (step === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('no script for this path\n');
      return;
    }
    answer(step, req, res, later);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;

  return {
    base,
    url: (pathAndQuery) => `${base}${pathAndQuery}`,
    script: (path, steps) => {
      plans.set(path, [...steps]);
    },
    requests,
    requestsTo: (path) => requests.filter((r) => r.path === path),
    onRequest: (listener) => {
      listeners.push(listener);
    },
    dropConnections: () => server.closeAllConnections(),
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}

function answer(
  step: ScriptStep,
  req: IncomingMessage,
  res: ServerResponse,
  later: (ms: number, fn: () => void) => void,
): void {
  const head = req.method === 'HEAD';
  switch (step.kind) {
    case 'ok': {
      const body = Buffer.from(step.body);
      res.writeHead(200, { 'content-length': String(body.length), ...step.headers });
      res.end(head ? undefined : body);
      return;
    }
    case 'status': {
      const body = Buffer.from(step.body ?? `status ${step.status}\n`);
      const headers: Record<string, string> = { 'content-length': String(body.length) };
      if (step.retryAfter !== undefined) headers['retry-after'] = step.retryAfter;
      res.writeHead(step.status, headers);
      res.end(head ? undefined : body);
      return;
    }
    case 'truncate':
    case 'stall': {
      const body = Buffer.from(step.body);
      res.writeHead(200, { 'content-length': String(body.length) });
      // Cut only once the partial write has reached the socket, so the client sees a short body
      // rather than a refused response.
      res.write(body.subarray(0, step.sendBytes), () => {
        if (step.kind === 'truncate') res.socket?.destroy();
      });
      return;
    }
    case 'slow':
      later(step.delayMs, () => {
        if (res.destroyed || res.socket === null || res.socket.destroyed) return;
        res.writeHead(200, { 'content-length': String(Buffer.byteLength(step.body)) }).end(step.body);
      });
      return;
  }
}
