import { isType, type LedgerEvent } from './ledger-event.js';

export interface RunOutput {
  /** Which zone holds the file, and its path relative to that zone's dataset folder. */
  zone: 'raw' | 'work';
  path: string;
  sha256: string;
  bytes: number;
}

/**
 * What a run would publish: its work artifacts when a transform wrote any (the latest write of each
 * path wins), otherwise its raw captures unchanged. Validation and promotion both use this, so they
 * always speak about the same files.
 */
export function projectRunOutputs(events: Iterable<LedgerEvent>): RunOutput[] {
  const work = new Map<string, RunOutput>();
  const raw = new Map<string, RunOutput>();
  for (const event of events) {
    if (isType(event, 'work.artifact.written')) {
      const { path, sha256, bytes } = event.payload;
      work.set(path, { zone: 'work', path, sha256, bytes });
    } else if (isType(event, 'raw.captured')) {
      const { path, sha256, bytes } = event.payload;
      raw.set(path, { zone: 'raw', path, sha256, bytes });
    }
  }
  const outputs = work.size > 0 ? work : raw;
  return [...outputs.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
