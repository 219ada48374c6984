import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import type { DatasetEntry } from '../registry/dataset-entry.js';
import { ApiError } from './api-error.js';
import type { Caller } from './authenticate.js';
import type { LedgerSnapshot, PublishedEvent } from './ledger-view.js';
import {
  type Classification,
  classificationOf,
  mayRead,
  requiredPrecision,
  wasGeneralized,
} from './policy.js';
import type { RegistryView } from './registry-view.js';

/** A dataset the caller may see, with the versions it may see (oldest first). */
export interface VisibleDataset {
  id: string;
  entry: DatasetEntry;
  classification: Classification;
  versions: VisibleVersion[];
}

export interface VisibleVersion {
  event: PublishedEvent;
  /** The registry now and the snapshot the version was published under: both must allow. */
  classes: Classification[];
}

/**
 * What one caller may see, decided per request. A dataset is visible when its registry entry is
 * valid and classified and its class lets the caller read; a version, when it also has its
 * version.published event (at the request's head), its folder in data/processed, the snapshot's
 * class lets the caller read, and — sensitive-location — its run recorded a generalization. An
 * answer about anything not visible is the same whether it exists or not (see hidden()).
 */
export class DatasetAccess {
  readonly #registry: RegistryView;
  readonly #processed: string;

  constructor(registry: RegistryView, processedRoot: string) {
    this.#registry = registry;
    this.#processed = processedRoot;
  }

  /** The dataset if this caller may see it; otherwise throws hidden(), the same for every reason. */
  async dataset(snapshot: LedgerSnapshot, id: string, caller: Caller): Promise<VisibleDataset> {
    const found = await this.#resolve(snapshot, id, caller);
    if (typeof found === 'string') throw hidden(caller, found);
    return found;
  }

  /** Every dataset this caller may see, by id. */
  async datasets(snapshot: LedgerSnapshot, caller: Caller): Promise<VisibleDataset[]> {
    const visible: VisibleDataset[] = [];
    for (const id of this.#registry.ids()) {
      const found = await this.#resolve(snapshot, id, caller);
      if (typeof found !== 'string') visible.push(found);
    }
    return visible;
  }

  /** The visible dataset, or why it is hidden (for the refusal log only). */
  async #resolve(snapshot: LedgerSnapshot, id: string, caller: Caller): Promise<VisibleDataset | string> {
    const entry = await this.#registry.entry(id);
    if (entry === null) return 'no valid registry entry';
    const classification = classificationOf(entry);
    if (classification === null)
      return 'registry entry lacks licence, sensitivity, policy labels or precision';
    if (!mayRead([classification], caller)) return 'restricted: no token role among the policy labels';
    const versions: VisibleVersion[] = [];
    for (const event of await snapshot.published(id)) {
      const recorded = classificationOf(event.payload.registry);
      if (recorded === null) continue;
      const classes = [classification, recorded];
      if (!mayRead(classes, caller) || !this.#folderExists(id, event.payload.version_id)) continue;
      if (
        requiredPrecision(classes) !== undefined &&
        !wasGeneralized(await snapshot.runEvents(id, event.run_id))
      )
        continue;
      versions.push({ event, classes });
    }
    return { id, entry, classification, versions };
  }

  /** The version folder exists and is a real folder (a symlink there is not ours). */
  #folderExists(datasetId: string, versionId: string): boolean {
    try {
      return lstatSync(join(this.#processed, datasetId, versionId)).isDirectory();
    } catch {
      return false;
    }
  }
}

/** The one version a caller asked for, or the same 404 whether it is unknown or not visible. */
export function visibleVersion(dataset: VisibleDataset, versionId: string): VisibleVersion {
  const version = dataset.versions.find((v) => v.event.payload.version_id === versionId);
  if (version === undefined) {
    throw new ApiError('NOT_FOUND', 'no such version of this dataset', {
      reason: 'version unknown or hidden',
    });
  }
  return version;
}

/**
 * The answer for a dataset the caller may not see, identical whether it does not exist, is not
 * classified, or is restricted (RFC 6750 §3.1 for the challenge): it depends only on the caller.
 */
export function hidden(caller: Caller, reason: string): ApiError {
  const message = 'no dataset by that id is available to this caller';
  if (caller.kind === 'token') return new ApiError('FORBIDDEN', message, { reason });
  return new ApiError('AUTH_REQUIRED', message, {
    reason,
    headers: { 'WWW-Authenticate': 'Bearer realm="kfm"' },
  });
}
