import { z } from 'zod';
import { KfmError } from '../errors.js';
import { DatasetId } from '../events/index.js';
import type { LedgerDoor } from '../ledger/ledger-door.js';
import type { StoredRow } from '../ledger/pure/verify-chain.js';
import { withTreeHashes } from '../ledger/tree-reads.js';
import { queryReadModels } from '../projections/read-model-queries.js';
import { decodeBase64, encodeBase64 } from '../tlog/bytes.js';
import { nodeTreeHasher } from '../tlog/node-tree-hasher.js';
import { proveInclusion } from '../tlog/prove.js';
import { formatTlogProof } from '../tlog/tlog-proof.js';
import { renderChecksums } from '../zones/checksums.js';

/**
 * `kfm bundle`: one file that proves a version's history with no ledger at hand. Every event of the
 * run that published it (run.started … validation.reported … version.published … run.completed),
 * its body byte for byte and a C2SP tlog-proof (c2sp.org/tlog-proof@v1) of its inclusion in the
 * tree of one signed checkpoint; and the version's checksums.sha256, which the version.published
 * event binds. check-version-bundle.ts checks it.
 */
export const VersionBundle = z.strictObject({
  kind: z.literal('kfm.version_bundle'),
  dataset_id: DatasetId,
  version_id: z.string().min(1),
  entries: z
    .array(
      z.strictObject({
        seq: z.int().min(1).max(Number.MAX_SAFE_INTEGER),
        /** The stored canonical body, standard base64: the tree's entry `seq - 1`. */
        body: z.string().refine((text) => decodeBase64(text) !== undefined, 'not canonical base64'),
        /** A c2sp.org/tlog-proof@v1 of entry `seq - 1`, whose checkpoint every entry shares. */
        proof: z.string(),
      }),
    )
    .min(1),
  /** The version's checksums.sha256, `sha256sum -c` format. */
  checksums_sha256: z.string(),
});
export type VersionBundle = z.infer<typeof VersionBundle>;

/**
 * The bundle of `datasetId@versionId` against the last checkpoint stored (`kfm checkpoint`), which
 * must cover the publishing run's events.
 */
export async function buildVersionBundle(
  door: LedgerDoor,
  datasetId: string,
  versionId: string,
): Promise<VersionBundle> {
  const versions = await (await queryReadModels(door)).versions(datasetId);
  const version = versions.find((v) => v.version_id === versionId);
  if (version === undefined)
    throw new KfmError(
      'NOT_FOUND',
      `${datasetId} has no version ${versionId}; see \`kfm versions ${datasetId}\``,
      { details: { dataset_id: datasetId, version_id: versionId } },
    );
  const rows: StoredRow[] = [];
  for await (const row of door.read({ dataset_id: datasetId, run_id: version.run_id })) rows.push(row);
  const lastSeq = rows.at(-1)!.seq;
  const checkpoint = await door.lastCheckpoint();
  if (checkpoint === undefined || checkpoint.tree_size < lastSeq)
    throw new KfmError(
      'USAGE',
      `no checkpoint stored covers seq ${lastSeq}, the last event of run ${version.run_id}${checkpoint === undefined ? '' : ` (the last covers ${checkpoint.tree_size})`}: run \`kfm checkpoint --key <file>\` first`,
      { details: { dataset_id: datasetId, version_id: versionId, last_seq: lastSeq } },
    );
  const size = checkpoint.tree_size;
  const proofs = await withTreeHashes(door, size, (source) =>
    rows.map((row) => proveInclusion(source, nodeTreeHasher, row.seq - 1, size)),
  );
  return {
    kind: 'kfm.version_bundle',
    dataset_id: datasetId,
    version_id: versionId,
    entries: rows.map((row, i) => ({
      seq: row.seq,
      body: encodeBase64(row.body),
      proof: formatTlogProof({ index: row.seq - 1, proof: proofs[i]!, checkpoint: checkpoint.note }),
    })),
    checksums_sha256: renderChecksums(version.artifacts),
  };
}
