import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The synthetic upstream of ks_streamflow_daily: daily readings of a few stream gauges, as CSV, for
 * any window `GET /readings?start=<iso>&end=<iso>[&page=N]` — a reading dated day D (00:00 UTC) is in
 * the window when start <= D < end — paged with RFC 8288 `Link: <…>; rel="next"`. The same window
 * always gives the same bytes. A real HTTP server on 127.0.0.1, so tests exercise real sockets; it
 * records every request with its arrival time (requests per second) and can be told to misbehave:
 * 429 with Retry-After, 503, answers slower than the client's timeout, a body cut mid-way, a body
 * that stalls. Self-contained (node:* only): `npm run upstream` compiles it on its own.
 */

export const GAUGES = ['06887500', '06888350', '06891000', '06892350', '06893000'] as const;
const DAY_MS = 86_400_000;
const HEADER = 'gauge_id,date,discharge_cfs,stage_ft';

export type Fault =
  /** Any status, e.g. 429 with retryAfter '1', or 503. */
  | { kind: 'status'; status: number; retryAfter?: string }
  /** Headers only after delayMs: past the client's timeout, the client gives up first. */
  | { kind: 'slow'; delayMs: number }
  /** The full Content-Length, `afterBytes` of the body, then the socket is destroyed. */
  | { kind: 'cut'; afterBytes: number }
  /** `afterBytes` of the body, then silence with the connection open (until the server closes). */
  | { kind: 'stall'; afterBytes: number };

export interface UpstreamRequest {
  method: string;
  /** The request target, query included. */
  url: string;
  path: string;
  start: string | null;
  end: string | null;
  page: number;
  /** Arrival time on the server's clock (UpstreamOptions.clock). */
  at: number;
  /** The fault this request got, if any. */
  fault: Fault['kind'] | null;
}

export interface FaultRule {
  /** Which requests; default: every one. */
  match?: (request: UpstreamRequest) => boolean;
  /** How many matching requests get the fault; default: all of them. */
  times?: number;
  fault: Fault;
}

export interface UpstreamOptions {
  /** Rows per page (default 500: a day of readings is one page). */
  pageSize?: number;
  /** 127.0.0.1 port; 0 (default) picks a free one. */
  port?: number;
  /** Answer 429 (Retry-After: 1) to requests beyond this many in the current second. */
  maxPerSecond?: number;
  /** Probability of a 503 (Retry-After: 1) per request, from a seeded generator: for demos. */
  flaky?: number;
  /**
   * What stamps arrivals (default Date.now). A test passes the fake clock its client runs on: the
   * client moves it only by sleeping, so arrivals are stamped exactly when the client let them go.
   */
  clock?: () => number;
}

export interface StreamflowUpstream {
  readonly base: string;
  readonly port: number;
  readonly requests: UpstreamRequest[];
  inject(rule: FaultRule): void;
  /** Called on each request's arrival, before it is answered: a test can kill its client there. */
  onRequest(listener: (request: UpstreamRequest) => void): void;
  /** Requests counted per second of arrival (floor(ms / 1000)). */
  perSecond(): Map<number, number>;
  /** The most requests that arrived within any `windowMs` (sliding). */
  maxWithin(windowMs: number): number;
  close(): Promise<void>;
}

/** A deterministic number in [0, 1) for (gauge, day): mulberry32 seeded from both. */
function noise(gauge: number, day: number): number {
  let t = (Math.imul(gauge + 1, 0x9e3779b1) ^ Math.imul(day, 0x85ebca6b)) >>> 0;
  t = (t + 0x6d2b79f5) >>> 0;
  let r = Math.imul(t ^ (t >>> 15), 1 | t);
  r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
  return ((r ^ (r >>> 14)) >>> 0) / 4_294_967_296;
}

/** Every reading of `[start, end)` as CSV lines (no header), in date then gauge order. */
export function readingLines(startMs: number, endMs: number): string[] {
  const lines: string[] = [];
  for (let day = Math.ceil(startMs / DAY_MS); day * DAY_MS < endMs; day++) {
    const date = new Date(day * DAY_MS).toISOString().slice(0, 10);
    const season = 1 + 0.6 * Math.sin((2 * Math.PI * (day % 365.25)) / 365.25);
    GAUGES.forEach((gauge, g) => {
      const discharge = (40 + 90 * g) * season * (0.7 + 0.6 * noise(g, day));
      const stage = 0.8 + 0.45 * Math.log10(1 + discharge);
      lines.push(`${gauge},${date},${discharge.toFixed(1)},${stage.toFixed(2)}`);
    });
  }
  return lines;
}

/** The CSV of one page: header and rows. */
export function pageCsv(lines: readonly string[], page: number, pageSize: number): string {
  const rows = lines.slice((page - 1) * pageSize, page * pageSize);
  return `${[HEADER, ...rows].join('\n')}\n`;
}

export async function startStreamflowUpstream(options: UpstreamOptions = {}): Promise<StreamflowUpstream> {
  const pageSize = options.pageSize ?? 500;
  const requests: UpstreamRequest[] = [];
  const rules: FaultRule[] = [];
  const listeners: ((request: UpstreamRequest) => void)[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let seed = 0x5eed;
  const random = () => {
    seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
    return seed / 4_294_967_296;
  };
  const later = (ms: number, fn: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  const clock = options.clock ?? Date.now;
  const server = createServer((req, res) => {
    const request = describe(req, clock());
    requests.push(request);
    const rule = rules.find((r) => (r.times === undefined || r.times > 0) && (r.match?.(request) ?? true));
    if (rule?.times !== undefined) rule.times--;
    let fault = rule?.fault ?? null;
    const sameSecond = requests.filter((r) => Math.floor(r.at / 1000) === Math.floor(request.at / 1000));
    if (fault === null && options.maxPerSecond !== undefined && sameSecond.length > options.maxPerSecond) {
      fault = { kind: 'status', status: 429, retryAfter: '1' };
    }
    if (fault === null && options.flaky !== undefined && random() < options.flaky) {
      fault = { kind: 'status', status: 503, retryAfter: '1' };
    }
    request.fault = fault?.kind ?? null;
    for (const listener of listeners) listener(request);
    answer(req, res, request, fault, pageSize, later);
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    base: `http://127.0.0.1:${port}`,
    port,
    requests,
    inject: (rule) => {
      rules.push({ ...rule });
    },
    onRequest: (listener) => {
      listeners.push(listener);
    },
    perSecond: () => {
      const counts = new Map<number, number>();
      for (const r of requests)
        counts.set(Math.floor(r.at / 1000), (counts.get(Math.floor(r.at / 1000)) ?? 0) + 1);
      return counts;
    },
    maxWithin: (windowMs) => {
      const times = requests.map((r) => r.at).sort((a, b) => a - b);
      let most = 0;
      for (let i = 0, j = 0; j < times.length; j++) {
        while (times[j]! - times[i]! >= windowMs) i++;
        most = Math.max(most, j - i + 1);
      }
      return most;
    },
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}

function describe(req: IncomingMessage, at: number): UpstreamRequest {
  const url = new URL(req.url ?? '/', 'http://upstream');
  return {
    method: req.method ?? 'GET',
    url: req.url ?? '/',
    path: url.pathname,
    start: url.searchParams.get('start'),
    end: url.searchParams.get('end'),
    page: Number(url.searchParams.get('page') ?? '1'),
    at,
    fault: null,
  };
}

function answer(
  req: IncomingMessage,
  res: ServerResponse,
  request: UpstreamRequest,
  fault: Fault | null,
  pageSize: number,
  later: (ms: number, fn: () => void) => void,
): void {
  if (fault?.kind === 'status') {
    const headers: Record<string, string> = { 'content-type': 'text/plain' };
    if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
    res.writeHead(fault.status, headers).end(`status ${fault.status}\n`);
    return;
  }
  const page = readingsPage(request, pageSize);
  if ('error' in page) {
    res.writeHead(page.status, { 'content-type': 'text/plain' }).end(`${page.error}\n`);
    return;
  }
  const body = Buffer.from(page.csv);
  const headers: Record<string, string> = {
    'content-type': 'text/csv; charset=utf-8',
    'content-length': String(body.length),
    etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`,
  };
  if (page.next !== null) headers.link = `<${page.next}>; rel="next"`;
  const head = req.method === 'HEAD';
  if (fault?.kind === 'slow') {
    later(fault.delayMs, () => {
      if (!res.destroyed && res.socket !== null && !res.socket.destroyed)
        res.writeHead(200, headers).end(head ? undefined : body);
    });
  } else if ((fault?.kind === 'cut' || fault?.kind === 'stall') && !head) {
    res.writeHead(200, headers);
    // Cut only once the partial write has reached the socket, so the client sees a short body.
    res.write(body.subarray(0, fault.afterBytes), () => {
      if (fault.kind === 'cut') res.socket?.destroy();
    });
  } else res.writeHead(200, headers).end(head ? undefined : body);
}

type Page = { csv: string; next: string | null } | { status: number; error: string };

function readingsPage(request: UpstreamRequest, pageSize: number): Page {
  if (request.path !== '/readings') return { status: 404, error: 'not found: try /readings?start=…&end=…' };
  const start = Date.parse(request.start ?? '');
  const end = Date.parse(request.end ?? '');
  if (Number.isNaN(start) || Number.isNaN(end) || end <= start) {
    return { status: 400, error: 'start and end must be ISO-8601 instants with start < end' };
  }
  const lines = readingLines(start, end);
  const pages = Math.max(1, Math.ceil(lines.length / pageSize));
  if (!Number.isInteger(request.page) || request.page < 1 || request.page > pages) {
    return { status: 400, error: `page must be 1..${pages}` };
  }
  const next =
    request.page < pages
      ? `/readings?start=${encodeURIComponent(request.start!)}&end=${encodeURIComponent(request.end!)}&page=${request.page + 1}`
      : null;
  return { csv: pageCsv(lines, request.page, pageSize), next };
}
