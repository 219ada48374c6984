import { z } from 'zod';
import { DatasetId, PAYLOADS, RunId, Timestamp } from '../events/index.js';
import { isType, type LedgerEvent } from './ledger-event.js';
import { Seq } from './receipt-fields.js';

/** data/raw/<id>/manifest.yml (YAML; the schema describes the document it parses to). */
export const RawManifest = z.strictObject({
  kind: z.literal('kfm.raw_manifest'),
  dataset_id: DatasetId,
  captures: z.array(
    z.strictObject({
      capture_id: PAYLOADS['raw.captured'].shape.capture_id,
      run_id: RunId,
      captured_at: Timestamp,
      files: z.array(PAYLOADS['raw.captured'].omit({ capture_id: true }).extend({ seq: Seq })),
    }),
  ),
});
export type RawManifest = z.infer<typeof RawManifest>;

/**
 * data/raw/<id>/manifest.yml: every capture of the dataset, in ledger order, including content seen
 * again (which points at the file stored the first time). Paths are relative to data/raw/<id>/.
 */
export function projectRawManifest(datasetId: string, events: Iterable<LedgerEvent>): RawManifest {
  const captures = new Map<string, RawManifest['captures'][number]>();
  for (const event of events) {
    if (event.dataset_id !== datasetId || !isType(event, 'raw.captured')) continue;
    const { capture_id, ...file } = event.payload;
    let capture = captures.get(capture_id);
    if (capture === undefined) {
      capture = { capture_id, run_id: event.run_id, captured_at: event.recorded_at, files: [] };
      captures.set(capture_id, capture);
    }
    capture.files.push({ ...file, seq: event.seq });
  }
  return { kind: 'kfm.raw_manifest', dataset_id: datasetId, captures: [...captures.values()] };
}

/** The files actually stored (first sightings), for checksums.sha256. */
export function storedRawFiles(manifest: RawManifest): { path: string; sha256: string; bytes: number }[] {
  return manifest.captures.flatMap((c) =>
    c.files.filter((f) => !f.seen_before).map((f) => ({ path: f.path, sha256: f.sha256, bytes: f.bytes })),
  );
}
