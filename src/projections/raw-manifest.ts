import type { PayloadOf } from '../events/index.js';
import { isType, type LedgerEvent } from './ledger-event.js';

type Capture = PayloadOf<'raw.captured'>;

export interface RawManifest {
  kind: 'kfm.raw_manifest';
  dataset_id: string;
  captures: {
    capture_id: string;
    run_id: string;
    captured_at: string;
    files: (Omit<Capture, 'capture_id'> & { seq: number })[];
  }[];
}

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
