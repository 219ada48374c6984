import { mediaTypeOf } from '../../catalogs/catalog-input.js';
import { ApiError } from '../api-error.js';
import { visibleVersion } from '../dataset-access.js';
import { isAggregateOnly, isAggregateOutput, requiredPrecision } from '../policy.js';
import type { Reply } from '../reply.js';
import { cacheControl, type Handler, paths } from '../serve-app.js';

/**
 * GET|HEAD /datasets/{id}/versions/{version_id}/artifacts/{name}: the bytes of one recorded
 * artifact, streamed, after the policy boundary and the integrity check (artifact-guard.ts).
 * The name is compared with the names the version recorded; it is never joined to a path as sent.
 */
export const serveArtifact: Handler = async (app, request): Promise<Reply> => {
  const { dataset_id, version_id, name } = request.params as Record<
    'dataset_id' | 'version_id' | 'name',
    string
  >;
  const dataset = await app.access.dataset(request.snapshot, dataset_id, request.caller);
  const version = visibleVersion(dataset, version_id);
  const artifact = version.event.payload.artifacts.find((a) => a.path === name);
  if (artifact === undefined)
    throw new ApiError('NOT_FOUND', 'this version has no artifact by that name', {
      reason: 'artifact unknown',
    });
  if (
    isAggregateOnly(version.classes) &&
    !isAggregateOutput(name, await request.snapshot.runEvents(dataset_id, version.event.run_id))
  ) {
    throw new ApiError('POLICY_DENIED', 'the policy boundary does not serve this artifact', {
      reason: 'aggregate-only: not the output of an aggregate transform',
    });
  }
  const opened = await app.artifacts.open(
    dataset_id,
    version_id,
    artifact,
    requiredPrecision(version.classes),
  );
  const headers = artifactHeaders(dataset_id, version_id, artifact.sha256, cacheControl(version.classes));
  if (etagMatches(request.headers['if-none-match'], headers.ETag!)) {
    await opened.handle.close();
    return { kind: 'not-modified', headers };
  }
  return { kind: 'file', handle: opened.handle, size: opened.size, contentType: mediaTypeOf(name), headers };
};

/**
 * ETag is the recorded sha256 (a strong validator: equal tags, equal bytes; RFC 9110 §8.8.3).
 * Repr-Digest and Content-Digest (RFC 9530 §2-3, a Structured Fields byte sequence) carry the same
 * sha256 in base64; the content of a 200 GET is the whole representation with no content coding, so
 * both are equal (HEAD and 304 send no content, and sendReply drops Content-Digest there). `Digest` is the older RFC 3230 form RFC 9530 obsoletes, for clients that only know it.
 * Link points at the provenance bundle (RFC 8288; the relation of W3C PROV-AQ §3.1).
 */
export function artifactHeaders(datasetId: string, versionId: string, sha256: string, cache: string) {
  const base64 = Buffer.from(sha256, 'hex').toString('base64');
  return {
    ETag: `"${sha256}"`,
    'Repr-Digest': `sha-256=:${base64}:`,
    'Content-Digest': `sha-256=:${base64}:`,
    Digest: `SHA-256=${base64}`,
    Link: `<${paths.provenance(datasetId, versionId)}>; rel="provenance http://www.w3.org/ns/prov#has_provenance"`,
    'Cache-Control': cache,
    'Accept-Ranges': 'none',
  };
}

/** If-None-Match (RFC 9110 §13.1.2): `*` or any listed tag equal under weak comparison. */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}
