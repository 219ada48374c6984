import { KfmError } from '../../errors.js';
import type { Zone, ZoneLayout } from '../../zones/zone-layout.js';
import type { ZoneWriter } from '../../zones/zone-writer.js';
import type { Stage } from '../stage-types.js';

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
