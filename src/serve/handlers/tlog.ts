import { buildVersionBundle } from '../../audit/version-bundle.js';
import { KfmError } from '../../errors.js';
import { formatEntryBundle, MAX_BUNDLED_ENTRY } from '../../tlog/entry-bundle.js';
import { parseTilePath, TILE_WIDTH, tileWidth } from '../../tlog/tiles.js';
import { ApiError } from '../api-error.js';
import { visibleVersion } from '../dataset-access.js';
import { jsonReply, type Reply } from '../reply.js';
import { cacheControl, type Handler } from '../serve-app.js';

/**
 * The transparency log as C2SP tlog-tiles (docs/transparency-log.md): the latest stored checkpoint,
 * hash tiles and entry bundles, for callers whose token has the `auditor` role. The tiles of every
 * event are there, whatever dataset it belongs to, so they are not for the policy labels to open.
 */
const AUDITOR_ROLE = 'auditor';

function requireAuditor(request: Parameters<Handler>[1]): void {
  const { caller } = request;
  if (caller.kind === 'token' && caller.roles.includes(AUDITOR_ROLE)) return;
  if (caller.kind !== 'token')
    throw new ApiError('AUTH_REQUIRED', 'the transparency log is served to auditors: send a bearer token', {
      reason: 'tlog: no token',
      headers: { 'WWW-Authenticate': 'Bearer realm="kfm"' },
    });
  throw new ApiError('FORBIDDEN', `the transparency log is served to tokens with the ${AUDITOR_ROLE} role`, {
    reason: `tlog: token ${caller.id} has no ${AUDITOR_ROLE} role`,
  });
}

const notFound = (reason: string) => new ApiError('NOT_FOUND', 'the log has no such tile', { reason });

/** A full tile never changes; a partial one grows, and a checkpoint moves on. */
const IMMUTABLE = 'private, max-age=31536000, immutable';
const CHANGING = 'private, no-cache';

/** GET /tlog/checkpoint: the last checkpoint `kfm checkpoint` stored, the signed note verbatim. */
export const serveCheckpoint: Handler = async (app, request): Promise<Reply> => {
  requireAuditor(request);
  const last = await app.ledger.door.lastCheckpoint();
  if (last === undefined)
    throw new ApiError('NOT_FOUND', 'no checkpoint has been signed yet', { reason: 'tlog: no checkpoint' });
  return {
    kind: 'bytes',
    body: new TextEncoder().encode(last.note),
    contentType: 'text/plain; charset=utf-8',
    headers: { 'Cache-Control': CHANGING },
  };
};

/**
 * GET /tlog/tile/<L>/<N>[.p/<W>] and /tlog/tile/entries/<N>[.p/<W>]: the spelling is checked by
 * parseTilePath (one canonical path per tile). A partial tile of an older tree size is the prefix of
 * today's, so any width up to the current one is served.
 */
export const serveTile: Handler = async (app, request): Promise<Reply> => {
  requireAuditor(request);
  const tile = parseTilePath(request.params.tile!);
  if (tile === undefined) throw notFound('tlog: not a tile path');
  const { door } = app.ledger;
  const size = await door.treeSize();
  const level = tile.level === 'entries' ? 0 : tile.level;
  if (tileWidth(size, level, tile.index) < tile.width) throw notFound('tlog: tile beyond the tree');
  const headers = { 'Cache-Control': tile.width === TILE_WIDTH ? IMMUTABLE : CHANGING };
  if (tile.level !== 'entries') {
    const [hashes] = await door.readTiles([{ level, index: tile.index, width: tile.width }]);
    return { kind: 'bytes', body: hashes!, contentType: 'application/octet-stream', headers };
  }
  const first = tile.index * TILE_WIDTH + 1;
  const bodies: Uint8Array[] = [];
  for await (const row of door.read({ from_seq: first, to_seq: first + tile.width - 1 })) {
    if (row.body.length > MAX_BUNDLED_ENTRY)
      throw new ApiError(
        'ENTRY_TOO_LARGE',
        'an event in this bundle is too large for a tlog-tiles entry bundle',
        {
          details: { seq: row.seq, bytes: row.body.length, max: MAX_BUNDLED_ENTRY },
          reason: `tlog: seq ${row.seq} has ${row.body.length} bytes`,
        },
      );
    bodies.push(row.body);
  }
  return { kind: 'bytes', body: formatEntryBundle(bodies), contentType: 'application/octet-stream', headers };
};

/**
 * GET /datasets/{id}/versions/{version_id}/bundle: what `kfm bundle` writes, for a version the
 * caller may read; `kfm verify-bundle` checks it offline.
 */
export const serveVersionBundle: Handler = async (app, request): Promise<Reply> => {
  const { dataset_id, version_id } = request.params as { dataset_id: string; version_id: string };
  const dataset = await app.access.dataset(request.snapshot, dataset_id, request.caller);
  const version = visibleVersion(dataset, version_id);
  try {
    const bundle = await buildVersionBundle(app.ledger.door, dataset_id, version_id);
    return jsonReply(bundle, { 'Cache-Control': cacheControl(version.classes) });
  } catch (error) {
    if (error instanceof KfmError && error.code === 'USAGE')
      throw new ApiError('NOT_FOUND', 'no signed checkpoint covers this version yet', {
        reason: `bundle: ${error.message}`,
      });
    throw error;
  }
};
