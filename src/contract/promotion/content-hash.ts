import { canonicalJson } from '../../ledger/pure/canonical-json.js';
import { type Sha256Hex, utf8 } from '../../ledger/pure/event-hash.js';

export interface VersionArtifact {
  /** File name inside data/processed/<id>/<version_id>/. */
  path: string;
  sha256: string;
  bytes: number;
}

/**
 * docs/design.md "Versions": content_hash = sha256(JCS({dataset_id, artifacts sorted by path})) and
 * version_id = "v" + its first 16 hex. Same outputs → same version, whatever run produced them.
 */
export function contentHash(
  datasetId: string,
  artifacts: readonly VersionArtifact[],
  sha256: Sha256Hex,
): string {
  const sorted = [...artifacts]
    .map(({ path, sha256: digest, bytes }) => ({ path, sha256: digest, bytes }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return sha256(utf8(canonicalJson({ dataset_id: datasetId, artifacts: sorted }, 'version')));
}

export function versionIdOf(hash: string): string {
  return `v${hash.slice(0, 16)}`;
}
