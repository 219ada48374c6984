import {
  catalogProjectionFiles,
  isBackfillRun,
  type ProjectedFile,
  rawProjectionFiles,
  runReceiptFiles,
} from '../../src/contract/projected-files.js';
import type { Sha256Hex } from '../../src/ledger/pure/event-hash.js';
import { isType, type LedgerEvent } from '../../src/projections/ledger-event.js';

/**
 * The reference replay: every projected file of a ledger from all of its events at once, exactly as
 * `kfm replay` computed it before it went a dataset at a time — each promotion's catalogs planned
 * again in seq order, later files for the same path winning, as later writes did. Slow (quadratic)
 * on purpose: it is the oracle the per-dataset projection must equal.
 */
export function wholeLedgerFiles(events: readonly LedgerEvent[], sha256: Sha256Hex): ProjectedFile[] {
  const byPath = new Map<string, ProjectedFile>();
  const put = (files: ProjectedFile[]) => {
    for (const file of files) byPath.set(`${file.zone}/${file.path}`, file);
  };
  const runs = new Map<string, LedgerEvent[]>();
  const captures = new Map<string, LedgerEvent[]>();
  const byDataset = new Map<string, LedgerEvent[]>();
  const published: LedgerEvent[] = [];
  for (const event of events) {
    const key = `${event.dataset_id}\u0000${event.run_id}`;
    runs.set(key, [...(runs.get(key) ?? []), event]);
    byDataset.set(event.dataset_id, [...(byDataset.get(event.dataset_id) ?? []), event]);
    if (isType(event, 'raw.captured'))
      captures.set(event.dataset_id, [...(captures.get(event.dataset_id) ?? []), event]);
    if (isType(event, 'version.published')) published.push(event);
  }
  for (const [datasetId, list] of captures) put(rawProjectionFiles(datasetId, list));
  const promotions: { seq: number; run: LedgerEvent[] }[] = [];
  for (const run of runs.values()) {
    const datasetId = run[0]!.dataset_id;
    const datasetPublished = published.filter((e) => e.dataset_id === datasetId);
    put(
      runReceiptFiles(
        run,
        datasetPublished,
        sha256,
        isBackfillRun(run) ? byDataset.get(datasetId) : undefined,
      ),
    );
    const anchor = run.filter((e) => isType(e, 'version.published') || isType(e, 'version.reused')).at(-1);
    if (anchor !== undefined) promotions.push({ seq: anchor.seq, run });
  }
  for (const { seq, run } of promotions.sort((a, b) => a.seq - b.seq))
    put(
      catalogProjectionFiles(
        run,
        published.filter((e) => e.seq <= seq),
      ),
    );
  return [...byPath.values()].sort((a, b) => (`${a.zone}/${a.path}` < `${b.zone}/${b.path}` ? -1 : 1));
}
