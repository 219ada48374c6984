import type { IncomingHttpHeaders } from 'node:http';
import type { ArtifactGuard } from './artifact-guard.js';
import type { Caller } from './authenticate.js';
import type { ChainHealth } from './chain-health.js';
import type { DatasetAccess } from './dataset-access.js';
import type { LedgerSnapshot, LedgerView } from './ledger-view.js';
import type { Classification } from './policy.js';
import { isRestricted } from './policy.js';
import type { Reply } from './reply.js';
import type { ServeLog } from './serve-log.js';

/** What every handler reads: the policy boundary in front of the ledger, registry and processed zone. */
export interface ServeApp {
  access: DatasetAccess;
  artifacts: ArtifactGuard;
  health: ChainHealth;
  ledger: LedgerView;
  log: ServeLog;
}

export interface ApiRequest {
  method: 'GET' | 'HEAD';
  params: Readonly<Record<string, string>>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  caller: Caller;
  /** The ledger as of this request's start: every read of the request stops at its head. */
  snapshot: LedgerSnapshot;
}

export type Handler = (app: ServeApp, request: ApiRequest) => Promise<Reply> | Reply;

/** Relative links (path-absolute), so answers are right behind any host name or proxy. */
export const paths = {
  dataset: (id: string) => `/datasets/${id}`,
  version: (id: string, versionId: string) => `/datasets/${id}/versions/${versionId}`,
  artifact: (id: string, versionId: string, name: string) =>
    `/datasets/${id}/versions/${versionId}/artifacts/${encodeURIComponent(name)}`,
  provenance: (id: string, versionId: string) => `/datasets/${id}/versions/${versionId}/provenance`,
  lineage: (id: string, versionId?: string) =>
    `/lineage/${id}${versionId === undefined ? '' : `@${versionId}`}`,
};

/**
 * RFC 9111 §5.2.2: a restricted answer is for one caller only and is never stored; any other must
 * be revalidated every time (no-cache), so a registry that tightens a class reaches every client.
 */
export function cacheControl(classes: readonly Classification[]): string {
  return isRestricted(classes) ? 'private, no-store' : 'no-cache';
}
