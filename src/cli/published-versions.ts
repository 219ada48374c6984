import { type PublishedVersion, projectPublishedVersions } from '../projections/version-diff.js';
import { didYouMean, nearestIds } from '../registry/nearest-ids.js';
import { type GlobalOptions, resolvePaths } from './io.js';
import { withLedger } from './ledger-access.js';
import { notFound } from './query-access.js';

/** `<dataset_id>` or `<dataset_id>@<version_id>`, as `kfm profile` and `kfm diff` take a version. */
export interface VersionRef {
  dataset_id: string;
  version_id?: string;
}

export function parseVersionRef(text: string): VersionRef {
  const at = text.indexOf('@');
  return at < 0 ? { dataset_id: text } : { dataset_id: text.slice(0, at), version_id: text.slice(at + 1) };
}

/**
 * The dataset's published versions, oldest first, read through the ledger door (the dataset's
 * version.published events only): NOT_FOUND, naming near dataset ids, when it has none.
 */
export async function readPublishedVersions(
  options: GlobalOptions,
  datasetId: string,
): Promise<PublishedVersion[]> {
  return withLedger(resolvePaths(options).ledger, { readOnly: true }, async (door) => {
    const events = [];
    for await (const event of door.readDecoded({ dataset_id: datasetId, type: 'version.published' }))
      events.push(event);
    const versions = projectPublishedVersions(events);
    if (versions.length > 0) return versions;
    const suggestions = nearestIds(datasetId, await door.datasetIds());
    throw notFound(
      `dataset ${datasetId} has no published version${didYouMean(suggestions)}; see \`kfm versions ${datasetId}\``,
      { dataset_id: datasetId, ...(suggestions.length > 0 ? { suggestions } : {}) },
    );
  });
}

/** The version a reference names (the latest when it names none); NOT_FOUND listing the known ones. */
export function versionOf(versions: readonly PublishedVersion[], ref: VersionRef): PublishedVersion {
  const found =
    ref.version_id === undefined ? versions.at(-1) : versions.find((v) => v.version_id === ref.version_id);
  if (found !== undefined) return found;
  const known = versions.map((v) => v.version_id);
  throw notFound(`${ref.dataset_id} has no version ${ref.version_id}; its versions are ${known.join(', ')}`, {
    dataset_id: ref.dataset_id,
    version_id: ref.version_id,
    versions: known,
  });
}
