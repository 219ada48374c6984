import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { LedgerProjection, type ProjectedFile } from '../src/contract/projected-files.js';
import { nodeSha256Hex } from '../src/ledger/node-hasher.js';
import { decodeEvent } from '../src/projections/ledger-event.js';
import { registryDirOf } from '../src/registry/load-registry.js';
import { zoneLayout } from '../src/zones/zone-layout.js';
import { openKfmSqliteLedger } from '../test/support/kfm-ledgers.js';
import {
  benchRegistry,
  type Draft,
  datasetIds,
  type HistorySize,
  lineageHistory,
} from './lineage-history.js';

/** A KFM root holding a lineage history (bench/lineage-history.ts): for the benchmark and its tests. */

const BATCH = 1000;
const BENCH_ACTOR = { tool: 'kfm', tool_version: '0.1.0', connector: 'bench', operator: 'bench' };

/** Appends the history in batches of ~BATCH events and writes the raw and processed files it records. */
export async function generateRoot(
  root: string,
  size: HistorySize,
): Promise<{ seconds: number; files: number }> {
  const started = performance.now();
  const layout = zoneLayout(root);
  const ids = datasetIds(size.datasets);
  const registry = registryDirOf(root);
  mkdirSync(registry, { recursive: true });
  ids.forEach((id, i) => {
    writeFileSync(join(registry, `${id}.yml`), stringify(benchRegistry(id, i)));
  });
  const ledger = await openKfmSqliteLedger(join(root, 'ledger', 'kfm.sqlite'), {
    create: true,
    actor: BENCH_ACTOR,
  });
  let files = 0;
  let batch: Draft[] = [];
  try {
    for (const run of lineageHistory(size)) {
      for (const file of run.files) {
        const path = join(layout[file.zone], file.path);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, file.content);
        files++;
      }
      batch.push(...run.drafts);
      if (batch.length >= BATCH) {
        ledger.appendEvents(batch);
        batch = [];
      }
    }
    if (batch.length > 0) ledger.appendEvents(batch);
  } finally {
    ledger.close();
  }
  return { seconds: (performance.now() - started) / 1000, files };
}

/**
 * Writes every receipt, raw manifest and catalog as `kfm replay` would, from the same projection,
 * without its two fsyncs per file (about 12 ms each here: 11 minutes for a million events). The
 * `replay --check` that follows proves the bytes are the ones replay writes; --replay measures the
 * real first `kfm replay` instead.
 */
export async function writeProjections(root: string): Promise<number> {
  const layout = zoneLayout(root);
  const projection = new LedgerProjection(nodeSha256Hex);
  const ledger = await openKfmSqliteLedger(join(root, 'ledger', 'kfm.sqlite'), { actor: BENCH_ACTOR });
  let written = 0;
  const write = (files: readonly ProjectedFile[]) => {
    for (const file of files) {
      const path = join(layout[file.zone], file.path);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, file.content);
      written++;
    }
  };
  try {
    for (const id of ledger.datasetIds())
      write(projection.dataset([...ledger.readEvents({ dataset_id: id })].map(decodeEvent)));
    write(projection.finish());
  } finally {
    ledger.close();
  }
  return written;
}
