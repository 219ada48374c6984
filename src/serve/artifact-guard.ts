import { createHash } from 'node:crypto';
import { constants, realpathSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { join } from 'node:path';
import { unsafePathReason } from '../zones/relative-path.js';
import { ApiError } from './api-error.js';
import { checkCoordinates } from './policy.js';

export interface ArtifactRef {
  path: string;
  sha256: string;
  bytes: number;
}

export interface OpenArtifact {
  handle: FileHandle;
  size: number;
}

/** A sensitive-location artifact is parsed whole to check it; larger ones are refused, not streamed unchecked. */
export const MAX_CHECKED_BYTES = 64 * 1024 * 1024;
const MAX_CACHE = 4096;

function integrity(reason: string): ApiError {
  return new ApiError('ARTIFACT_INTEGRITY', 'the artifact on disk is not the one its version recorded', {
    reason,
  });
}

/**
 * Opens a version's artifact for serving, and only after proving it is the published file: the
 * name is one the version recorded (the caller checked) and a plain file name; the version folder
 * resolves to data/processed/<id>/<version_id> itself (no symlinked folder); the file is opened
 * with O_NOFOLLOW (a symlink there fails) and must be a regular file of the recorded size and
 * sha256. With `precision`, every coordinate must lie on that grid. Verdicts are cached per file
 * identity (inode, size, mtime, ctime), so a published file is hashed once, not per request; the
 * bytes served are read from the same open handle that was checked.
 */
export class ArtifactGuard {
  readonly #processed: string;
  readonly #verified = new Map<string, string>();
  /** The zone root's real path, resolved once: if the root is swapped later, every folder check fails closed. */
  #realProcessed: string | undefined;

  constructor(processedRoot: string) {
    this.#processed = processedRoot;
  }

  async open(
    datasetId: string,
    versionId: string,
    artifact: ArtifactRef,
    precision?: number,
  ): Promise<OpenArtifact> {
    const name = artifact.path;
    if (unsafePathReason(name) !== undefined || name.includes('/'))
      throw integrity('recorded name is not a file name');
    const dir = join(this.#processed, datasetId, versionId);
    let realDir: string;
    try {
      realDir = realpathSync(dir);
    } catch {
      throw integrity('version folder missing');
    }
    this.#realProcessed ??= realpathSync(this.#processed);
    if (realDir !== join(this.#realProcessed, datasetId, versionId))
      throw integrity('version folder resolves elsewhere (symlink)');
    let handle: FileHandle;
    try {
      handle = await open(join(dir, name), constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw integrity(code === 'ELOOP' ? 'artifact is a symlink' : `artifact cannot be opened (${code})`);
    }
    try {
      await this.#check(handle, artifact, precision);
      return { handle, size: artifact.bytes };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async #check(handle: FileHandle, artifact: ArtifactRef, precision: number | undefined): Promise<void> {
    const stat = await handle.stat();
    if (!stat.isFile()) throw integrity('artifact is not a regular file');
    if (stat.size !== artifact.bytes) throw integrity(`size ${stat.size}, recorded ${artifact.bytes}`);
    const key = `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}:${artifact.sha256}:${precision ?? '-'}`;
    const known = this.#verified.get(key);
    if (known === 'ok') return;
    if (known !== undefined) throw this.#refusal(known);
    const verdict = await verdictOf(handle, artifact, precision);
    if (this.#verified.size >= MAX_CACHE) this.#verified.clear();
    this.#verified.set(key, verdict);
    if (verdict !== 'ok') throw this.#refusal(verdict);
  }

  #refusal(verdict: string): ApiError {
    if (verdict.startsWith('integrity:')) return integrity(verdict.slice('integrity:'.length));
    return new ApiError('POLICY_DENIED', 'the policy boundary does not serve this artifact', {
      reason: verdict.slice('policy:'.length),
    });
  }
}

/** 'ok', 'integrity:<why>' or 'policy:<why>'. */
async function verdictOf(
  handle: FileHandle,
  artifact: ArtifactRef,
  precision: number | undefined,
): Promise<string> {
  if (precision === undefined) {
    const hash = createHash('sha256');
    for await (const chunk of handle.createReadStream({ start: 0, autoClose: false, highWaterMark: 1 << 20 }))
      hash.update(chunk as Buffer);
    const sha256 = hash.digest('hex');
    return sha256 === artifact.sha256 ? 'ok' : 'integrity:sha256 differs from the recorded one';
  }
  if (artifact.bytes > MAX_CHECKED_BYTES) return 'policy:too large to check every coordinate';
  const bytes = Buffer.alloc(artifact.bytes);
  for (let at = 0; at < bytes.length; ) {
    const { bytesRead } = await handle.read(bytes, at, bytes.length - at, at);
    if (bytesRead === 0) return 'integrity:shorter than recorded';
    at += bytesRead;
  }
  if (createHash('sha256').update(bytes).digest('hex') !== artifact.sha256)
    return 'integrity:sha256 differs from the recorded one';
  let document: unknown;
  try {
    document = JSON.parse(bytes.toString('utf8'));
  } catch {
    return 'policy:sensitive-location artifact is not GeoJSON, so its coordinates cannot be checked';
  }
  const check = checkCoordinates(document, precision);
  return check.ok ? 'ok' : `policy:${check.reason}`;
}
