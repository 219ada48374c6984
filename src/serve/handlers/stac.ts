import { stacItemPath } from '../../catalogs/stac.js';
import { stacFiles } from '../../contract/promotion/catalog-files.js';
import { ApiError } from '../api-error.js';
import { visibleVersion } from '../dataset-access.js';
import { jsonReply, type Reply } from '../reply.js';
import { type ApiRequest, cacheControl, type Handler, type ServeApp } from '../serve-app.js';
import { classesOf, visibleCatalogInput } from './datasets.js';

/**
 * The dataset's STAC catalog as the API serves it, in the layout of data/catalog/stac/<id>/ under
 * /datasets/<id>/stac/, so the catalog's relative links resolve here as they do in the folder and
 * each document is at its `self` URL. Rendered from the ledger, for the versions the caller may see.
 */
async function serveStac(
  app: ServeApp,
  request: ApiRequest,
  path: string,
  versionId?: string,
): Promise<Reply> {
  const id = request.params.dataset_id!;
  const dataset = await app.access.dataset(request.snapshot, id, request.caller);
  if (versionId !== undefined) visibleVersion(dataset, versionId);
  const input = visibleCatalogInput(dataset);
  const file =
    input?.entry.spatial === true ? stacFiles(input).find((f) => f.path === `stac/${id}/${path}`) : undefined;
  if (file === undefined || file.document === null) {
    throw new ApiError('NOT_FOUND', 'no such STAC document: only a spatial dataset with an extent has one', {
      reason: 'no STAC document',
    });
  }
  return jsonReply(file.document, { 'Cache-Control': cacheControl(classesOf(dataset)) });
}

/** GET /datasets/{id}/stac/collection.json: the STAC Collection. */
export const showStacCollection: Handler = (app, request) => serveStac(app, request, 'collection.json');

/** GET /datasets/{id}/stac/items/{version_id}/{item}: the STAC Item of one version. */
export const showStacItem: Handler = (app, request) => {
  const { dataset_id, version_id, item } = request.params as {
    dataset_id: string;
    version_id: string;
    item: string;
  };
  const path = stacItemPath(dataset_id, version_id);
  if (path !== `items/${version_id}/${item}`)
    throw new ApiError('NOT_FOUND', 'no such STAC item of this version', { reason: 'item name' });
  return serveStac(app, request, path, version_id);
};
