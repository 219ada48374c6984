import { createReadStream, existsSync, readdirSync, rmSync } from 'node:fs';
import { chmod, readFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { KfmError } from '../../errors.js';
import { failpoint } from '../../failpoints.js';
import type { RunOutput } from '../../projections/run-outputs.js';
import { parseChecksums, renderChecksums } from '../../zones/checksums.js';
import { sha256File } from '../../zones/file-digest.js';
import type { ZoneLayout } from '../../zones/zone-layout.js';
import { syncDirectory, type ZoneWriter } from '../../zones/zone-writer.js';
import type { VersionArtifact } from './content-hash.js';

const STAGING_PREFIX = '.staging-';

/** The folder (processed zone) a promotion copies a version into before renaming it into place. */
export function stagingPath(datasetId: string, runId: string): string {
  return `${datasetId}/${STAGING_PREFIX}${runId}`;
}

/** Whether a folder in data/processed/<id>/ is a promotion's staging folder, not a version. */
export const isStagingFolder = (name: string): boolean => name.startsWith(STAGING_PREFIX);

/** A crash mid-promotion leaves at most a staging folder; the next promotion removes it first. */
export function removeStaleStaging(writer: ZoneWriter, datasetId: string): string[] {
  const dir = writer.resolve('processed', datasetId);
  if (!existsSync(dir)) return [];
  const stale = readdirSync(dir).filter(isStagingFolder);
  for (const name of stale)
    rmSync(writer.resolve('processed', `${datasetId}/${name}`), { recursive: true, force: true });
  return stale;
}

export interface PublishRequest {
  datasetId: string;
  runId: string;
  versionId: string;
  layout: ZoneLayout;
  writer: ZoneWriter;
  /** The run's outputs, each copied as the artifact of the same index. */
  outputs: readonly RunOutput[];
  artifacts: readonly VersionArtifact[];
}

/**
 * Writes a version whole or not at all (docs/design.md, "Versions"): copy into a staging folder
 * (each file fsynced), write checksums.sha256, re-hash everything, then one atomic rename into
 * data/processed/<id>/<version_id>/ and make it read-only. A version folder that already exists
 * without its event (a crash after the rename) is adopted only if its bytes are exactly right.
 */
export async function publishVersion(request: PublishRequest): Promise<'written' | 'adopted'> {
  const { datasetId, versionId, writer, artifacts } = request;
  const finalDir = writer.resolve('processed', `${datasetId}/${versionId}`);
  if (existsSync(finalDir)) {
    await checkVersionFolder(finalDir, artifacts);
    return 'adopted';
  }
  const staging = stagingPath(datasetId, request.runId);
  for (const [i, output] of request.outputs.entries()) {
    const artifact = artifacts[i]!;
    const source = join(request.layout[output.zone], datasetId, output.path);
    const written = await writer.captureStream(
      'processed',
      `${staging}/${artifact.path}`,
      createReadStream(source),
      { readOnly: true },
    );
    if (written.sha256 !== artifact.sha256) {
      throw new KfmError(
        'IO',
        `${output.path} changed while it was being published (sha256 ${written.sha256}, recorded ${artifact.sha256})`,
      );
    }
  }
  await writer.writeFile('processed', `${staging}/checksums.sha256`, renderChecksums(artifacts), {
    readOnly: true,
  });
  const stagingDir = writer.resolve('processed', staging);
  await checkVersionFolder(stagingDir, artifacts);
  failpoint('publish/staged');
  await rename(stagingDir, finalDir);
  failpoint('publish/renamed');
  await chmod(finalDir, 0o555);
  await syncDirectory(dirname(finalDir));
  return 'written';
}

/** The folder holds exactly the artifacts and checksums.sha256, and every byte matches. */
export async function checkVersionFolder(dir: string, artifacts: readonly VersionArtifact[]): Promise<void> {
  const expected = new Map(artifacts.map((a) => [a.path, a.sha256]));
  const names = readdirSync(dir).filter((name) => name !== 'checksums.sha256');
  const listed = parseChecksums(await readFile(join(dir, 'checksums.sha256'), 'utf8'));
  const problems: string[] = [];
  if (names.length !== expected.size || names.some((n) => !expected.has(n)))
    problems.push(`files ${names.sort().join(', ')}`);
  if (listed.length !== expected.size || listed.some((l) => expected.get(l.path) !== l.sha256))
    problems.push('checksums.sha256');
  for (const [name, sha256] of expected) {
    const found = await sha256File(join(dir, name)).then(
      (d) => d.sha256,
      () => null,
    );
    if (found !== sha256) problems.push(name);
  }
  if (problems.length > 0) {
    throw new KfmError(
      'IO',
      `${dir} does not hold the version it names (${problems.join('; ')}): move it aside and promote again`,
      {
        details: { file: dir },
      },
    );
  }
}
