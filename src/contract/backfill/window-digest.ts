import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { nodeSha256Hex } from '../../ledger/node-hasher.js';
import { canonicalJson } from '../../ledger/pure/canonical-json.js';
import { utf8 } from '../../ledger/pure/event-hash.js';
import { isType } from '../../projections/ledger-event.js';
import type { StageScope } from '../stage-scope.js';
import { readRecords } from '../validation/read-records.js';

export interface WindowDigest {
  files: number;
  rows: number;
  sha256: string;
}

/**
 * What `backfill.window.completed` says of a window's capture: its files, its records, and
 * `sha256(JCS([{sha256, bytes}]))` over its files in capture (page) order. No paths: they hold the
 * child run's id, and content seen before points at another run's file, so the same window captured
 * by another run (an interrupted backfill resumed, an identical rerun elsewhere) has the same digest
 * exactly when the bytes agree.
 */
export async function windowDigest(scope: StageScope, childRunId: string): Promise<WindowDigest> {
  const ds = scope.request.dataset_id;
  const captures = (await scope.datasetEvents('raw.captured'))
    .filter((e) => e.run_id === childRunId && isType(e, 'raw.captured'))
    .map((e) => e.payload as { path: string; sha256: string; bytes: number });
  const files = await Promise.all(
    captures.map(async (c) => ({ path: c.path, bytes: await readFile(join(scope.layout.raw, ds, c.path)) })),
  );
  const listing = captures.map((c) => ({ sha256: c.sha256, bytes: c.bytes }));
  return {
    files: captures.length,
    rows: readRecords(scope.connector.format, files, scope.entry?.upstream?.encoding).records.length,
    sha256: nodeSha256Hex(utf8(canonicalJson(listing))),
  };
}
