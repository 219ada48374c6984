import type { VersionArtifact } from '../contract/promotion/content-hash.js';
import { isType, type LedgerEvent } from '../projections/ledger-event.js';

/** A file as an event recorded it. */
export interface RecordedFile {
  seq: number;
  sha256: string;
  bytes: number;
}

export interface RecordedVersion {
  seq: number;
  artifacts: readonly VersionArtifact[];
}

/**
 * What the ledger says the raw, processed and catalog zones hold, gathered in one pass over the
 * events (pure; verify --deep gathers it a dataset at a time): per dataset, every raw file by its
 * path relative to data/raw/<id>/ and every version by the first version.published of its id; and
 * every catalog a catalog.emitted recorded. A later, different publication of the same id is a
 * VERSION_REPUBLISHED finding; the folder is checked against the first, which the promotion wrote.
 */
export class FileExpectations {
  /** dataset → path → the distinct recordings of that path (one, unless events disagree). */
  readonly raw = new Map<string, Map<string, RecordedFile[]>>();
  readonly versions = new Map<string, Map<string, RecordedVersion>>();
  /** Every catalog path (relative to data/catalog/) a catalog.emitted recorded, of any dataset. */
  readonly catalogs = new Set<string>();

  push(event: LedgerEvent): void {
    if (isType(event, 'raw.captured')) {
      // A capture seen before points at the file stored the first time: it must still be that file.
      const { path, sha256, bytes } = event.payload;
      const files = mapOf(this.raw, event.dataset_id);
      const recorded = files.get(path) ?? [];
      if (!recorded.some((r) => r.sha256 === sha256 && r.bytes === bytes))
        files.set(path, [...recorded, { seq: event.seq, sha256, bytes }]);
    } else if (isType(event, 'version.published')) {
      const versions = mapOf(this.versions, event.dataset_id);
      const { version_id, artifacts } = event.payload;
      if (!versions.has(version_id)) versions.set(version_id, { seq: event.seq, artifacts });
    } else if (isType(event, 'catalog.emitted')) {
      this.catalogs.add(event.payload.path);
    }
  }
}

function mapOf<V>(outer: Map<string, Map<string, V>>, key: string): Map<string, V> {
  let inner = outer.get(key);
  if (inner === undefined) {
    inner = new Map();
    outer.set(key, inner);
  }
  return inner;
}
