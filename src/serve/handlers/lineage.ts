import { DATASET_ID, VERSION_ID } from '../../events/ids.js';
import { isType } from '../../projections/ledger-event.js';
import { projectLineage } from '../../projections/lineage.js';
import { lineageGraph } from '../../projections/lineage-graph.js';
import { hidden, visibleVersion } from '../dataset-access.js';
import { jsonReply } from '../reply.js';
import { cacheControl, type Handler } from '../serve-app.js';
import { classesOf } from './datasets.js';

/** `<dataset_id>` or `<dataset_id>@<version_id>`, as `kfm lineage` takes it. */
export const LINEAGE_TARGET = new RegExp(`^(${DATASET_ID})(?:@(${VERSION_ID}))?$`);

/**
 * GET /lineage/{dataset_id} or /lineage/{dataset_id}@{version_id}: the lineage graph, the same JSON
 * as `kfm lineage <target> --format json` (projectLineage and lineageGraph, read at this request's
 * head). Runs that published or reused a version the caller may not see are left out, so the
 * graph never names what the version endpoints would not.
 */
export const showLineage: Handler = async (app, request) => {
  const { snapshot, caller } = request;
  const match = LINEAGE_TARGET.exec(request.params.id!);
  if (match === null) throw hidden(caller, 'lineage target is not <dataset_id>[@<version_id>]');
  const datasetId = match[1]!;
  const versionId = match[2] ?? null;
  const dataset = await app.access.dataset(snapshot, datasetId, caller);
  const versions = versionId === null ? dataset.versions : [visibleVersion(dataset, versionId)];
  const visible = new Set(dataset.versions.map((v) => v.event.payload.version_id));
  const events = await snapshot.datasetEvents(datasetId);
  const hiddenRuns = new Set(
    events.flatMap((e) =>
      (isType(e, 'version.published') || isType(e, 'version.reused')) && !visible.has(e.payload.version_id)
        ? [e.run_id]
        : [],
    ),
  );
  const lineage = projectLineage(
    datasetId,
    events.filter((e) => !hiddenRuns.has(e.run_id)),
    { as_of: { seq: snapshot.head.seq, requested: request.query.get('as_of') }, version_id: versionId },
  );
  return jsonReply(
    { ...lineage, graph: lineageGraph(lineage) },
    { 'Cache-Control': cacheControl(classesOf(dataset, versions)) },
  );
};
