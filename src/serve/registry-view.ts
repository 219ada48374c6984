import { readdirSync, type Stats, statSync } from 'node:fs';
import { join } from 'node:path';
import { DATASET_ID_PATTERN } from '../events/ids.js';
import type { DatasetEntry } from '../registry/dataset-entry.js';
import { checkDatasetFile } from '../registry/load-registry.js';

/**
 * The registry as the server reads it: `data/registry/<id>.yml`, re-read whenever the file changes
 * (one stat per request), so a class tightened by the operator applies to the next request. An
 * invalid or unreadable file is the same as no entry: nothing is served for it.
 */
export class RegistryView {
  readonly #dir: string;
  readonly #cache = new Map<string, { key: string; entry: Promise<DatasetEntry | null> }>();

  constructor(registryDir: string) {
    this.#dir = registryDir;
  }

  /** Dataset ids with a registry file, sorted. */
  ids(): string[] {
    let names: string[];
    try {
      names = readdirSync(this.#dir);
    } catch {
      return [];
    }
    return names
      .filter((n) => n.endsWith('.yml'))
      .map((n) => n.slice(0, -'.yml'.length))
      .filter((id) => DATASET_ID_PATTERN.test(id))
      .sort();
  }

  async entry(datasetId: string): Promise<DatasetEntry | null> {
    if (!DATASET_ID_PATTERN.test(datasetId)) return null;
    const stat = statOrUndefined(join(this.#dir, `${datasetId}.yml`));
    if (stat === undefined || !stat.isFile()) {
      this.#cache.delete(datasetId);
      return null;
    }
    const key = `${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}`;
    const cached = this.#cache.get(datasetId);
    if (cached?.key === key) return cached.entry;
    // The promise is cached, so concurrent requests after a change parse the file once.
    const entry = checkDatasetFile(this.#dir, datasetId).then(
      (result) => result.entry ?? null,
      () => null,
    );
    this.#cache.set(datasetId, { key, entry });
    return entry;
  }
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}
