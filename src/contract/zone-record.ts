import { isAbsolute, join, relative, sep } from 'node:path';
import { KfmError } from '../errors.js';
import type { LedgerDoor } from '../ledger/ledger-door.js';
import { decodeEvent, isType, type LedgerEvent } from '../projections/ledger-event.js';
import { unsafePathReason } from '../zones/relative-path.js';
import { type Zone, type ZoneLayout, type ZoneOverrides, zoneLayout } from '../zones/zone-layout.js';
import type { Stage } from './stage-types.js';
import { STAGES } from './stages/index.js';

/**
 * Where a dataset's zones are, in its own ledger (issue 10, item 11). The seed's --raw_dir,
 * --work_dir and --processed_dir move a zone for CI or special operations; but the raw manifest
 * belongs to the dataset, receipts to a run written by each of its stages, and every later stage,
 * `kfm replay` and `kfm verify --deep` read those files back. So a moved zone must be (1) inside the
 * root, which is what an auditor verifies and copies — and what lets verify read only there
 * whatever an event claims; (2) recorded: run.started keeps each given zone relative to the root;
 * (3) one place per dataset: the first run of the dataset whose stage takes the flag fixes the zone,
 * and a later stage naming another place is refused before it writes anything. Verify and replay
 * then find every file where it was written, with no flag to remember.
 */

type ZoneFlag = keyof ZoneOverrides;
const ZONE_FLAGS: readonly [ZoneFlag, Zone][] = [
  ['raw_dir', 'raw'],
  ['work_dir', 'work'],
  ['processed_dir', 'processed'],
];

/** The zone flags given, as run.started records them: each folder relative to the root. */
export function recordedZoneArgs(layout: ZoneLayout, given: ZoneOverrides): ZoneOverrides {
  const args: ZoneOverrides = {};
  for (const [flag, zone] of ZONE_FLAGS) {
    if (given[flag] === undefined) continue;
    const rel = relative(layout.root, layout[zone]);
    if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
      throw new KfmError(
        'INVALID_INPUT',
        `--${flag} ${given[flag]}: ${layout[zone]} is not inside the root ${layout.root}; a zone must lie inside the root, which is what kfm verify --deep and kfm replay check (give a folder below the root)`,
        { details: { field: flag, zone, root: layout.root } },
      );
    }
    args[flag] = rel.split(sep).join('/');
  }
  return args;
}

/**
 * The dataset's zones as its runs recorded them: for each zone flag, the first run.started of a
 * stage that takes it (its value, or the default when absent). A recorded value that is not a plain
 * path inside the root (a forged event, or an absolute path an older kfm recorded) is skipped: what
 * the ledger says never makes verify read outside the root. `events`: the dataset's, in seq order.
 */
export function recordedZones(root: string, events: Iterable<LedgerEvent>): ZoneLayout {
  return layoutOf(root, fixedZones(events));
}

/** Each zone flag some run of the dataset fixed: to a folder relative to the root, or undefined (the default). */
function fixedZones(events: Iterable<LedgerEvent>): Map<ZoneFlag, string | undefined> {
  const fixed = new Map<ZoneFlag, string | undefined>();
  for (const event of events) if (!fixZones(fixed, event)) break;
  return fixed;
}

/** Adds what one event fixes; false once every flag is fixed, so a reader can stop early. */
function fixZones(fixed: Map<ZoneFlag, string | undefined>, event: LedgerEvent): boolean {
  if (fixed.size === ZONE_FLAGS.length) return false;
  if (!isType(event, 'run.started')) return true;
  const takes = STAGES[event.payload.stage as Stage]?.flags ?? [];
  // Untrusted: replay decodes events without the schema check verify makes first.
  const args: unknown = event.payload.args;
  for (const [flag] of ZONE_FLAGS) {
    if (fixed.has(flag) || !takes.includes(flag)) continue;
    const value =
      typeof args === 'object' && args !== null ? (args as Record<string, unknown>)[flag] : undefined;
    if (value === undefined) fixed.set(flag, undefined);
    else if (typeof value === 'string' && unsafePathReason(value) === undefined) fixed.set(flag, value);
  }
  return true;
}

function layoutOf(root: string, fixed: ReadonlyMap<ZoneFlag, string | undefined>): ZoneLayout {
  const overrides: ZoneOverrides = {};
  for (const [flag, rel] of fixed) if (rel !== undefined) overrides[flag] = join(root, rel);
  try {
    return zoneLayout(root, overrides);
  } catch {
    return zoneLayout(root); // recorded zones that overlap: no stage could have written them
  }
}

/**
 * The dataset's zones where its runs put them, read from its run.started events lazily (the first
 * few decide). One definition for the stage's zone check and for recovery, which must find what a
 * killed run left where that run wrote (verify --deep reads the same events with recordedZones).
 */
export async function datasetZones(ledger: LedgerDoor, root: string, datasetId: string): Promise<ZoneLayout> {
  return layoutOf(root, await datasetFixedZones(ledger, datasetId));
}

async function datasetFixedZones(
  ledger: LedgerDoor,
  datasetId: string,
): Promise<Map<ZoneFlag, string | undefined>> {
  const fixed = new Map<ZoneFlag, string | undefined>();
  for await (const row of ledger.read({ dataset_id: datasetId, type: 'run.started' }))
    if (!fixZones(fixed, decodeEvent(row))) break;
  return fixed;
}

/**
 * Refuses a stage whose zones differ from where the dataset's earlier runs put them (exit 2,
 * nothing written): half a dataset in one folder and half in another is found by neither the
 * next stage nor verify.
 */
export async function checkDatasetZones(
  ledger: LedgerDoor,
  layout: ZoneLayout,
  datasetId: string,
  stage: Stage,
): Promise<void> {
  const fixed = await datasetFixedZones(ledger, datasetId);
  const recorded = layoutOf(layout.root, fixed);
  for (const [flag, zone] of ZONE_FLAGS) {
    if (!fixed.has(flag) || !STAGES[stage].flags.includes(flag) || recorded[zone] === layout[zone]) continue;
    const where = relative(layout.root, recorded[zone]).split(sep).join('/');
    const isDefault = recorded[zone] === zoneLayout(layout.root)[zone];
    throw new KfmError(
      'INVALID_INPUT',
      `the ${zone} zone of ${datasetId} is ${where} (below the root), where its earlier runs wrote it, not ${layout[zone]}: ${isDefault ? `omit --${flag}` : `give --${flag} ${recorded[zone]}`}; a dataset keeps each zone in one place`,
      { details: { field: flag, zone, dataset_id: datasetId, recorded: where } },
    );
  }
}
