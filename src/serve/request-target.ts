import { ApiError } from './api-error.js';

/**
 * The request target (RFC 9112 §3.2, origin-form), read as raw bytes before anything decodes it.
 * node:http hands over `req.url` exactly as sent: no dot-segment removal, no decoding. So the
 * traversal checks run here, on the raw text and then on each decoded segment, and nothing later
 * ever joins a client's text to a path: handlers match segments against ids and recorded names.
 */
export interface RequestTarget {
  /** Decoded path segments: `/datasets/x` → ['datasets', 'x']; `/` → []. */
  segments: string[];
  query: URLSearchParams;
  /** The raw path without the query, for logs (the query may hold things a client should not log). */
  path: string;
}

/** Longer than any route of ours can be; RFC 9112 §3 recommends supporting at least 8000. */
export const MAX_TARGET_LENGTH = 2048;

/**
 * Escapes we refuse outright. RFC 3986 §2.2: `%2F` is data, not a separator, but file systems and
 * proxies disagree on that, which is what traversal exploits; `%2E` hides `..` from a raw check;
 * `%25` is an escaped `%`, i.e. a second layer of encoding (`%252e%252e`); `%5C` is a backslash,
 * a separator on Windows; `%00`-`%1F` and `%7F` are control characters (NUL truncates C paths).
 */
const REFUSED_ESCAPE = /%(?:2[fFeE5]|5[cC]|[01][0-9a-fA-F]|7[fF])/;

function refuse(reason: string): ApiError {
  return new ApiError('PATH_REFUSED', 'the request path is not allowed: only /datasets/… names are served', {
    reason,
  });
}

export function parseRequestTarget(raw: string | undefined): RequestTarget {
  if (raw === undefined || !raw.startsWith('/')) {
    throw new ApiError('BAD_REQUEST', 'the request target must be an absolute path (origin-form)');
  }
  if (raw.length > MAX_TARGET_LENGTH) {
    throw new ApiError('URI_TOO_LONG', `the request target is longer than ${MAX_TARGET_LENGTH} characters`);
  }
  const q = raw.indexOf('?');
  const path = q === -1 ? raw : raw.slice(0, q);
  const query = new URLSearchParams(q === -1 ? '' : raw.slice(q + 1));
  if (path.includes('\\')) throw refuse('backslash');
  if (path.includes('#')) throw refuse('fragment');
  const escaped = REFUSED_ESCAPE.exec(path);
  if (escaped !== null) throw refuse(`escape ${escaped[0]}`);
  if (path === '/') return { segments: [], query, path };
  const segments = path.slice(1).split('/').map(decodeSegment);
  return { segments, query, path };
}

function decodeSegment(raw: string): string {
  if (raw === '') throw refuse('empty segment');
  let segment: string;
  try {
    segment = decodeURIComponent(raw);
  } catch {
    throw new ApiError('BAD_REQUEST', 'the request path has a malformed percent-escape (RFC 3986 §2.1)');
  }
  if (segment === '.' || segment === '..') throw refuse(`"${segment}" segment`);
  // Belt and braces: none of these can survive the raw checks above, but a decoded segment is
  // what handlers compare, so it is checked as such too.
  for (const char of segment) {
    const code = char.codePointAt(0)!;
    if (code < 0x20 || code === 0x7f || char === '/' || char === '\\' || char === '%') {
      throw refuse('separator, escape or control character in a segment');
    }
  }
  return segment;
}
