import { rmSync } from 'node:fs';
import { basename } from 'node:path';
import { KfmError } from '../../errors.js';
import type { CapturedSource, DiscoverContext, SourceRef } from '../define-connector.js';
import { writeRawProjections } from '../receipts.js';
import type { StageScope } from '../stage-scope.js';

export interface IngestSummary {
  sources: number;
  captured: number;
  seen_before: number;
}

export function discoverContext(scope: StageScope): DiscoverContext {
  return { upstream_uri: scope.upstream_uri ?? '', config: scope.config, window: scope.request.window };
}

/** The connector's sources, or the registry's upstream as one source named after its last segment. */
export async function discoverSources(scope: StageScope): Promise<SourceRef[]> {
  if (scope.connector.discover !== undefined) return scope.connector.discover(discoverContext(scope));
  if (scope.upstream_uri === undefined) {
    throw new KfmError(
      'REGISTRY_INVALID',
      `data/registry/${scope.request.dataset_id}.yml: upstream.uri is missing; add upstream: {uri: …} or pass --config`,
    );
  }
  const name = basename(new URL(scope.upstream_uri).pathname) || 'capture';
  return [{ uri: scope.upstream_uri, name }];
}

/** discover → acquire: captures every source into data/raw/<id>/<run_id>/, one raw.captured each. */
export async function ingest(scope: StageScope): Promise<IngestSummary> {
  const sources = await discoverSources(scope);
  for (const source of sources) {
    const capabilities = await scope.upstream.discover(source.uri);
    const seq = await scope.record('source.discovered', {
      source_uri: source.uri,
      capabilities: { ...capabilities },
    });
    scope.log.info(`discovered ${source.uri}`, { seq });
  }
  const stored = new Map<string, string>();
  for (const event of await scope.datasetEvents('raw.captured')) {
    const p = event.payload as { sha256: string; path: string; seen_before?: boolean };
    if (!p.seen_before && !stored.has(p.sha256)) stored.set(p.sha256, p.path);
  }
  const summary: IngestSummary = { sources: sources.length, captured: 0, seen_before: 0 };
  const capture = async (source: SourceRef): Promise<CapturedSource> => {
    const ds = scope.request.dataset_id;
    const path = `${scope.run_id}/${source.name}`;
    const { result } = await scope.upstream.fetchToSink(source.uri, async (body, meta) => ({
      meta,
      digest: await scope.writer.captureStream('raw', `${ds}/${path}`, body, {
        readOnly: true,
        ...(meta.content_length === undefined ? {} : { expectedBytes: meta.content_length }),
      }),
    }));
    const { digest, meta } = result;
    const prior = stored.get(digest.sha256);
    if (prior !== undefined) {
      // Identical content is stored once; this capture only records that it was seen again.
      rmSync(scope.writer.resolve('raw', `${ds}/${path}`), { force: true });
      summary.seen_before++;
    } else {
      stored.set(digest.sha256, path);
      summary.captured++;
    }
    const seq = await scope.record('raw.captured', {
      capture_id: scope.run_id,
      path: prior ?? path,
      sha256: digest.sha256,
      bytes: digest.bytes,
      source_uri: source.uri,
      ...(meta.etag === undefined ? {} : { etag: meta.etag }),
      ...(meta.content_type === undefined ? {} : { media_type: meta.content_type }),
      ...(prior === undefined ? {} : { seen_before: true }),
    });
    scope.log.info(
      `${prior === undefined ? 'captured' : 'seen again'} ${source.name} sha256 ${digest.sha256.slice(0, 12)} (${digest.bytes} bytes)`,
      { seq },
    );
    return {
      path: prior ?? path,
      sha256: digest.sha256,
      bytes: digest.bytes,
      seen_before: prior !== undefined,
      headers: meta.headers,
    };
  };
  const context = { ...discoverContext(scope), capture };
  if (scope.connector.acquire !== undefined) await scope.connector.acquire(context, sources);
  else for (const source of sources) await capture(source);
  await writeRawProjections(scope);
  return summary;
}
