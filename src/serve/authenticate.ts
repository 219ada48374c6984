import type { TokenStore } from './tokens.js';

/** Who is asking: nobody in particular, someone with a token we do not know, or a known token. */
export type Caller =
  | { kind: 'anonymous' }
  | { kind: 'invalid'; why: 'malformed' | 'unknown' }
  | { kind: 'token'; id: string; roles: readonly string[] };

/** RFC 6750 §2.1 b64token; longer than any token we issue is refused before it is hashed. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
const MAX_HEADER = 512;

/**
 * The caller of one request, from its Authorization header (RFC 6750 §2.1: `Bearer <token>`; the
 * scheme is case-insensitive per RFC 9110 §11.1). Only the header is read: tokens in the query
 * string (RFC 6750 §2.3) end up in logs and browser history, so they are not accepted.
 */
export function authenticate(header: string | undefined, tokens: TokenStore): Caller {
  if (header === undefined || header === '') return { kind: 'anonymous' };
  const token = header.length > MAX_HEADER ? undefined : BEARER.exec(header)?.[1];
  if (token === undefined) return { kind: 'invalid', why: 'malformed' };
  const record = tokens.match(token);
  if (record === undefined) return { kind: 'invalid', why: 'unknown' };
  return { kind: 'token', id: record.id, roles: record.roles };
}
