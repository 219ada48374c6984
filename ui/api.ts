import type { ChainHead } from '../src/ledger/pure/seal-events.js';
import type { Lineage } from '../src/projections/lineage.js';
import type { LineageGraph } from '../src/projections/lineage-graph.js';
import type { ProvenanceBundle } from '../src/projections/provenance-bundle.js';

/**
 * The API the page reads (src/serve/handlers/*), with the caller's token and point in time. The
 * page shows exactly what these answers hold: the policy boundary is the server's, not the page's.
 */

export interface DatasetSummary {
  dataset_id: string;
  title: string | null;
  sensitivity: string;
  policy_labels: string[];
  license: string;
  latest_version: { version_id: string; content_hash: string; published_at: string } | null;
  versions: number;
}

export interface DatasetList {
  datasets: DatasetSummary[];
  ledger_head: ChainHead;
}

export interface DatasetVersionRow {
  version_id: string;
  content_hash: string;
  published_at: string;
  supersedes: string | null;
  run_id: string;
}

export interface Dataset {
  dataset_id: string;
  registry: { title: string | null; license: string; sensitivity: string; policy_labels: string[] };
  latest_version: string | null;
  versions: DatasetVersionRow[];
  ledger_head: ChainHead;
}

export type LineageAnswer = Lineage & { graph: LineageGraph };
export type { ProvenanceBundle };

export type Answer<T> = { ok: true; body: T } | { ok: false; status: number; code: string; message: string };

export interface ReadPoint {
  token: string | null;
  /** A ledger seq, or null for its head. */
  asOf: string | null;
}

/** The request URL of `path` at this point in time (`?as_of=`, router.ts snapshotOf). */
export function urlAt(path: string, asOf: string | null): string {
  return asOf === null ? path : `${path}?as_of=${encodeURIComponent(asOf)}`;
}

export async function fetchAt(path: string, point: ReadPoint): Promise<Response> {
  return fetch(urlAt(path, point.asOf), {
    headers: point.token === null ? {} : { Authorization: `Bearer ${point.token}` },
    cache: 'no-store',
  });
}

export async function getJson<T>(path: string, point: ReadPoint): Promise<Answer<T>> {
  const res = await fetchAt(path, point);
  const body = (await res.json()) as T & { code?: string; message?: string };
  if (res.ok) return { ok: true, body };
  return {
    ok: false,
    status: res.status,
    code: body.code ?? 'UNKNOWN',
    message: body.message ?? res.statusText,
  };
}
