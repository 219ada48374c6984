import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An OpenLineage HTTP endpoint on 127.0.0.1 (ephemeral port), as Marquez serves it:
 * `POST /api/v1/lineage`. Whether it is up is driven by request count, never by time: `down(n)`
 * makes the next n requests answer 503 with `Retry-After: 0` (so the client's retries need no
 * real waiting). Accepted bodies are kept in arrival order; every request is recorded.
 */
export interface LineageSink {
  readonly base: string;
  readonly accepted: string[];
  readonly requests: { method: string; path: string; authorization: string | undefined; status: number }[];
  /** After `after` more accepted requests, answer the next `count` with 503. */
  down(count: number, after?: number): void;
  close(): Promise<void>;
}

export async function startLineageSink(): Promise<LineageSink> {
  const accepted: string[] = [];
  const requests: LineageSink['requests'] = [];
  let upFor = Number.POSITIVE_INFINITY;
  let downFor = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '/';
      const wrongPlace = req.method !== 'POST' || path !== '/api/v1/lineage';
      const unavailable = !wrongPlace && upFor <= 0 && downFor > 0;
      const status = wrongPlace ? 404 : unavailable ? 503 : 201;
      requests.push({ method: req.method ?? '', path, authorization: req.headers.authorization, status });
      if (unavailable) {
        downFor--;
        res.writeHead(503, { 'retry-after': '0' }).end('down\n');
        return;
      }
      if (status === 201) {
        accepted.push(Buffer.concat(chunks).toString('utf8'));
        upFor--;
      }
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    accepted,
    requests,
    down(count, after = 0) {
      downFor = count;
      upFor = after;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
