import type { IncomingMessage } from 'node:http';
import { ApiError } from './api-error.js';
import { authenticate, type Caller } from './authenticate.js';
import { serveArtifact } from './handlers/artifacts.js';
import { listDatasets, showDataset } from './handlers/datasets.js';
import { health } from './handlers/health.js';
import { showLineage } from './handlers/lineage.js';
import { showProvenance } from './handlers/provenance.js';
import { showStacCollection, showStacItem } from './handlers/stac.js';
import { serveCheckpoint, serveTile, serveVersionBundle } from './handlers/tlog.js';
import { uiReply } from './handlers/ui.js';
import { showVersion } from './handlers/versions.js';
import type { LedgerSnapshot, LedgerView } from './ledger-view.js';
import { serveOpenApi } from './openapi.js';
import type { Reply } from './reply.js';
import { parseRequestTarget } from './request-target.js';
import type { Handler, ServeApp } from './serve-app.js';
import type { TokenStore } from './tokens.js';

/** What the refusal log may say about a request, filled in as the request gets through the checks. */
export interface RequestTrace {
  path?: string;
  caller?: Caller;
}

interface Route {
  /** Literal segments, `:name` for a parameter, and a last `*rest` for the remaining segments joined by `/`. */
  pattern: readonly string[];
  handler: Handler;
}

const V = ['datasets', ':dataset_id', 'versions', ':version_id'] as const;

/** Every route there is; anything else is NOT_FOUND. Nothing maps a URL onto the file system. */
export const ROUTES: readonly Route[] = [
  { pattern: ['datasets'], handler: listDatasets },
  { pattern: ['datasets', ':dataset_id'], handler: showDataset },
  { pattern: V, handler: showVersion },
  { pattern: [...V, 'artifacts', ':name'], handler: serveArtifact },
  { pattern: [...V, 'provenance'], handler: showProvenance },
  { pattern: ['datasets', ':dataset_id', 'stac', 'collection.json'], handler: showStacCollection },
  {
    pattern: ['datasets', ':dataset_id', 'stac', 'items', ':version_id', ':item'],
    handler: showStacItem,
  },
  { pattern: ['lineage', ':id'], handler: showLineage },
  { pattern: [...V, 'bundle'], handler: serveVersionBundle },
  { pattern: ['tlog', 'checkpoint'], handler: serveCheckpoint },
  { pattern: ['tlog', '*tile'], handler: serveTile },
  { pattern: ['healthz'], handler: health },
  { pattern: ['openapi.json'], handler: serveOpenApi },
];

export function matchRoute(
  segments: readonly string[],
): { handler: Handler; params: Record<string, string> } | undefined {
  for (const route of ROUTES) {
    const rest = route.pattern.at(-1)!.startsWith('*');
    if (rest ? segments.length < route.pattern.length : route.pattern.length !== segments.length) continue;
    const params: Record<string, string> = {};
    if (rest) params[route.pattern.at(-1)!.slice(1)] = segments.slice(route.pattern.length - 1).join('/');
    const matched = route.pattern.every((part, i) => {
      if (part.startsWith('*')) return true;
      if (part.startsWith(':')) params[part.slice(1)] = segments[i]!;
      return part.startsWith(':') || part === segments[i];
    });
    if (matched) return { handler: route.handler, params };
  }
  return undefined;
}

/**
 * One request through the boundary, in the order that leaks least: method and body first (the API
 * is read-only), then the page's fixed paths (handlers/ui.ts), then the raw target (traversal is
 * refused before any lookup), then the token (a bad token is refused whatever it asks for), then
 * the route, read at one ledger head (now, or `?as_of=<seq>`).
 */
export async function routeRequest(
  app: ServeApp,
  tokens: TokenStore,
  req: IncomingMessage,
  trace: RequestTrace,
): Promise<Reply> {
  const method = req.method;
  if (method !== 'GET' && method !== 'HEAD') {
    throw new ApiError('METHOD_NOT_ALLOWED', 'the API is read-only: use GET or HEAD', {
      headers: { Allow: 'GET, HEAD' },
      reason: `method ${String(method).slice(0, 16)}`,
    });
  }
  const length = req.headers['content-length'];
  if ((length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined) {
    throw new ApiError('BODY_NOT_ALLOWED', 'requests carry no body', { headers: { Connection: 'close' } });
  }
  // The page is static and public; it reaches data only through the routes below, with its token.
  const page = uiReply(req.url);
  if (page !== undefined) return page;
  const target = parseRequestTarget(req.url);
  trace.path = target.path;
  const caller = authenticate(req.headers.authorization, tokens);
  trace.caller = caller;
  if (caller.kind === 'invalid') {
    throw new ApiError('TOKEN_INVALID', 'the bearer token is not valid', {
      reason: `token ${caller.why}`,
      headers: { 'WWW-Authenticate': 'Bearer realm="kfm", error="invalid_token"' },
    });
  }
  const route = matchRoute(target.segments);
  if (route === undefined)
    throw new ApiError('NOT_FOUND', 'no such endpoint; see /openapi.json', { reason: 'no route' });
  return route.handler(app, {
    method,
    params: route.params,
    query: target.query,
    headers: req.headers,
    caller,
    snapshot: await snapshotOf(app.ledger, target.query.get('as_of')),
  });
}

/**
 * The head a request reads at: now, or with `?as_of=<seq>` the ledger as it stood after that event
 * (as the CLI's `--as-of <seq>`). The policy is today's either way: a registry that tightened a
 * class since hides the past too.
 */
export async function snapshotOf(ledger: LedgerView, asOf: string | null): Promise<LedgerSnapshot> {
  if (asOf === null) return ledger.snapshot();
  const seq = /^[1-9][0-9]{0,15}$/.test(asOf) ? Number(asOf) : Number.NaN;
  const snapshot = Number.isSafeInteger(seq) ? await ledger.snapshotAt(seq) : undefined;
  if (snapshot === undefined)
    throw new ApiError(
      'BAD_REQUEST',
      `as_of must be the seq of an event in the ledger (1 to ${(await ledger.snapshot()).head.seq})`,
      {
        details: { as_of: asOf.slice(0, 32) },
        reason: 'as_of is no seq of the ledger',
      },
    );
  return snapshot;
}
