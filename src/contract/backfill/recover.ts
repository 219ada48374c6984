import { readdir, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isType, type LedgerEvent } from '../../projections/ledger-event.js';
import { writeRawProjections } from '../receipts.js';
import type { StageScope } from '../stage-scope.js';
import { windowEvents } from './ingest-window.js';

interface OpenRun {
  run_id: string;
  stage: string;
  parent_run_id: string | undefined;
}

/**
 * Backfill runs a killed process left open (it held the lock, which is stale now, so they are not
 * running): each gets `run.completed` failed with INTERRUPTED, children before parents so a parent's
 * record shows how its windows ended. Files in a child's raw folder that no `raw.captured` records
 * (a temp file cut off mid-download, a file renamed just before the process died) were never
 * captures: they are removed, so the raw zone holds exactly what the ledger says it holds.
 */
export async function recoverAbandonedRuns(scope: StageScope): Promise<string[]> {
  const open = openRuns(windowEvents(scope.datasetEvents));
  const abandoned = open
    .filter((r) => r.run_id !== scope.run_id && (r.stage === 'backfill' || r.parent_run_id !== undefined))
    .sort((a, b) => Number(a.stage === 'backfill') - Number(b.stage === 'backfill'));
  if (abandoned.length === 0) return [];
  const captures = scope.datasetEvents('raw.captured');
  for (const run of abandoned) {
    if (run.stage === 'ingest') await removeUnrecordedFiles(scope, run.run_id, captures);
    await scope.closeRun(run.run_id, {
      code: 'INTERRUPTED',
      message: `the ${run.stage} stage stopped before it completed (its process was killed or crashed); backfill run ${scope.run_id} took over`,
    });
    scope.log.warn(`closed run ${run.run_id} (${run.stage}), left open by a stopped process`);
  }
  // Captures recorded just before the process died may be missing from the manifest.
  if (abandoned.some((r) => r.stage === 'ingest')) await writeRawProjections(scope);
  return abandoned.map((r) => r.run_id);
}

function openRuns(events: readonly LedgerEvent[]): OpenRun[] {
  const open = new Map<string, OpenRun>();
  for (const event of events) {
    if (isType(event, 'run.started')) {
      const { stage, parent_run_id } = event.payload;
      open.set(event.run_id, { run_id: event.run_id, stage, parent_run_id });
    } else if (isType(event, 'run.completed')) open.delete(event.run_id);
  }
  return [...open.values()];
}

async function removeUnrecordedFiles(
  scope: StageScope,
  runId: string,
  captures: LedgerEvent[],
): Promise<void> {
  const rel = `${scope.request.dataset_id}/${runId}`;
  if (!scope.writer.exists('raw', rel)) return;
  const dir = scope.writer.resolve('raw', rel);
  const recorded = new Set(
    captures
      .filter((e) => e.run_id === runId && isType(e, 'raw.captured'))
      .map((e) => (e.payload as { path: string }).path),
  );
  for (const name of await readdir(dir)) {
    if (recorded.has(`${runId}/${name}`)) continue;
    await rm(join(dir, name), { force: true, recursive: true });
    scope.log.warn(`removed data/raw/${rel}/${name}: no raw.captured records it (an interrupted capture)`);
  }
  if ((await readdir(dir)).length === 0) await rmdir(dir);
}
