import { KfmError } from '../../errors.js';
import type { Zone, ZoneLayout } from '../../zones/zone-layout.js';
import type { ZoneWriter } from '../../zones/zone-writer.js';
import {
  DATA_CATALOG_PATH,
  dcatDatasetPath,
  provPath,
  stacCollectionPath,
} from '../promotion/catalog-files.js';
import { stagingPath } from '../promotion/publish-version.js';
import type { Stage } from '../stage-request.js';

/** A place a run writes, relative to its zone: a file, or the folder of files named only mid-run. */
export interface WriteTarget {
  zone: Zone;
  path: string;
}

export interface RunPlace {
  stage: Stage;
  dataset_id: string;
  run_id: string;
  /** The registry entry's `spatial`: only a spatial dataset's promotion writes STAC. */
  spatial: boolean;
}

/**
 * Where the body of a run writes for its dataset and run: raw captures in data/raw/<id>/<run_id>/
 * beside the raw manifest (ingest.ts, receipts.ts), artifacts (transform.ts), the staging folder
 * renamed into the version and the catalogs (publish-version.ts, promote.ts). The runtime checks each with the zone writer's guard before run.started, so a stray
 * symlink is refused while the ledger is unchanged. Names decided mid-run (a capture, an artifact,
 * a version id) are covered by the folder they go in; the receipts are checked beside these
 * (runReceiptTarget).
 */
export function stageWriteTargets(place: RunPlace): WriteTarget[] {
  const { dataset_id: ds, run_id: runId } = place;
  const captures: WriteTarget = { zone: 'raw', path: `${ds}/${runId}` };
  switch (place.stage) {
    case 'ingest':
      return [captures];
    case 'backfill':
      // Each window is a child ingest, checked when it starts; the raw zone is checked here too so
      // a bad zone stops the backfill before its own run.started.
      return [captures];
    case 'transform':
      return [{ zone: 'work', path: `${ds}/runs/${runId}/artifacts` }];
    case 'validate':
      return [];
    case 'promote':
      return [
        { zone: 'processed', path: stagingPath(ds, runId) },
        { zone: 'catalog', path: DATA_CATALOG_PATH },
        { zone: 'catalog', path: dcatDatasetPath(ds) },
        { zone: 'catalog', path: provPath(ds, runId) },
        ...(place.spatial ? [{ zone: 'catalog' as const, path: stacCollectionPath(ds) }] : []),
      ];
  }
}

/** The run record, written (work zone) after every run.completed; the other receipts share its folder. */
export function runReceiptTarget(datasetId: string, runId: string): WriteTarget {
  return { zone: 'work', path: `${datasetId}/runs/${runId}/run_record.json` };
}

/**
 * Refuses, before anything is recorded, what `writer` would refuse mid-run: a run started in a zone
 * it cannot write would leave the ledger claiming a run whose files can never be written.
 */
export function checkWriteTargets(
  writer: ZoneWriter,
  layout: ZoneLayout,
  targets: readonly WriteTarget[],
): void {
  for (const { zone, path } of targets) {
    try {
      writer.checkWritable(zone, path);
    } catch (error) {
      if (!(error instanceof KfmError) || error.code !== 'PATH_UNSAFE') throw error;
      throw new KfmError(
        'PATH_UNSAFE',
        `${error.message}; nothing was recorded: replace the symlink on that path with a real folder inside the ${zone} zone (${layout[zone]}) and run again`,
        { details: { ...error.details, recorded: false }, cause: error },
      );
    }
  }
}
