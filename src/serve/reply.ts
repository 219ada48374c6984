import type { FileHandle } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';

/** What a handler answers; the server writes it (handlers never touch the response). */
export type Reply =
  | { kind: 'json'; status: number; body: unknown; headers?: Record<string, string> }
  | { kind: 'file'; handle: FileHandle; size: number; contentType: string; headers: Record<string, string> }
  | { kind: 'bytes'; body: Uint8Array; contentType: string; headers: Record<string, string> }
  | { kind: 'not-modified'; headers: Record<string, string> };

/**
 * Every answer depends on the caller's token (RFC 9110 §12.5.5: Vary), is never active content in
 * a browser (but the lineage page, which sets its own policy: handlers/ui.ts), and is not sniffed
 * into another type.
 */
const BASE_HEADERS = {
  Vary: 'Authorization',
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "default-src 'none'; sandbox",
} as const;

export function jsonReply(body: unknown, headers: Record<string, string> = {}, status = 200): Reply {
  return { kind: 'json', status, body, headers };
}

/**
 * Writes the reply. HEAD gets the same header fields as GET and no content (RFC 9110 §9.3.2). A
 * file is streamed from the handle that was verified; the promise settles when the response has
 * been handed to the socket or the client went away.
 */
export async function sendReply(res: ServerResponse, reply: Reply, head: boolean): Promise<void> {
  res.setHeaders(new Map(Object.entries(BASE_HEADERS)));
  if (reply.kind === 'json') {
    const text = `${JSON.stringify(reply.body)}\n`;
    res.writeHead(reply.status, {
      'Cache-Control': 'no-cache',
      ...reply.headers,
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(text),
    });
    res.end(head ? undefined : text);
    return;
  }
  if (reply.kind === 'bytes') {
    res.writeHead(200, {
      ...reply.headers,
      'Content-Type': reply.contentType,
      'Content-Length': reply.body.length,
    });
    res.end(head ? undefined : reply.body);
    return;
  }
  if (reply.kind === 'not-modified') {
    res.writeHead(304, withoutContent(reply.headers));
    res.end();
    return;
  }
  const headers = head ? withoutContent(reply.headers) : reply.headers;
  res.writeHead(200, { ...headers, 'Content-Type': reply.contentType, 'Content-Length': reply.size });
  if (head) {
    await reply.handle.close();
    res.end();
    return;
  }
  const stream = reply.handle.createReadStream({ start: 0, highWaterMark: 256 * 1024 });
  try {
    await pipeline(stream, res);
  } catch {
    // The client went away mid-body (or the socket timed out): nothing more to send to anyone.
  }
}

/**
 * A 304 or a HEAD answer sends no content, so it has no Content-Digest (RFC 9530 §2: the digest of
 * the content actually sent). Repr-Digest, the digest of the selected representation, stays (§3).
 */
function withoutContent(headers: Readonly<Record<string, string>>): Record<string, string> {
  const { 'Content-Digest': _, ...rest } = headers;
  return rest;
}
