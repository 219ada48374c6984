import { createHash, randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, realpathSync } from 'node:fs';
import { chmod, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';
import { KfmError } from '../errors.js';
import type { Zone, ZoneLayout } from './zone-layout.js';

export interface WrittenFile {
  /** As given: relative to the zone root. */
  path: string;
  sha256: string;
  bytes: number;
}

export interface WriteOptions {
  /** chmod 0444 after writing: raw captures and published versions are never edited in place. */
  readOnly?: boolean;
}

export interface ZoneWriter {
  readonly zones: readonly Zone[];
  /** The confined absolute path of `rel` in `zone` (also for reads); throws PATH_UNSAFE. */
  resolve(zone: Zone, rel: string): string;
  /** Atomic write: temp file in the same folder, fsync, rename, fsync the folder. */
  writeFile(zone: Zone, rel: string, data: string | Uint8Array, options?: WriteOptions): Promise<WrittenFile>;
  /**
   * Streams into a new file while hashing, in constant memory. A read-only capture never replaces an
   * existing file. On any error the temp file is removed: a capture is whole or absent.
   */
  captureStream(
    zone: Zone,
    rel: string,
    source: AsyncIterable<Uint8Array>,
    options?: WriteOptions & { expectedBytes?: number },
  ): Promise<WrittenFile>;
}

/** A writer that permits only the zones of one contract step (the seed's "Zone write scope"). */
export function createZoneWriter(layout: ZoneLayout, allowed: readonly Zone[]): ZoneWriter {
  const target = (zone: Zone, rel: string): string => {
    if (!allowed.includes(zone)) {
      throw new KfmError(
        'ZONE_VIOLATION',
        `this step may write only ${allowed.join(' and ')}, not the ${zone} zone (${rel})`,
        {
          details: { zone, path: rel, allowed },
        },
      );
    }
    return confinedPath(layout[zone], zone, rel, true);
  };
  return {
    zones: allowed,
    resolve: (zone, rel) => confinedPath(layout[zone], zone, rel, false),
    async writeFile(zone, rel, data, options = {}) {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      return writeAtomically(target(zone, rel), rel, options, false, async (handle, hash) => {
        hash.update(bytes);
        await handle.write(bytes);
        return bytes.byteLength;
      });
    },
    async captureStream(zone, rel, source, options = {}) {
      return writeAtomically(
        target(zone, rel),
        rel,
        options,
        Boolean(options.readOnly),
        async (handle, hash) => {
          let total = 0;
          for await (const chunk of source) {
            hash.update(chunk);
            await handle.write(chunk);
            total += chunk.byteLength;
          }
          if (options.expectedBytes !== undefined && total !== options.expectedBytes) {
            throw new KfmError(
              'IO',
              `${rel}: received ${total} bytes, expected ${options.expectedBytes}: the source was truncated`,
            );
          }
          return total;
        },
      );
    },
  };
}

async function writeAtomically(
  path: string,
  rel: string,
  options: WriteOptions,
  mustBeNew: boolean,
  fill: (handle: Awaited<ReturnType<typeof open>>, hash: ReturnType<typeof createHash>) => Promise<number>,
): Promise<WrittenFile> {
  if (mustBeNew && existsSync(path)) {
    throw new KfmError(
      'ZONE_VIOLATION',
      `${rel} already exists and is immutable: a capture never replaces a file`,
      { details: { path: rel } },
    );
  }
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', 0o644);
  const hash = createHash('sha256');
  try {
    const bytes = await fill(handle, hash);
    await handle.sync();
    await handle.close();
    if (options.readOnly) await chmod(temp, 0o444);
    await rename(temp, path);
    await syncDirectory(dirname(path));
    return { path: rel, sha256: hash.digest('hex'), bytes };
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

/** After a rename, the folder entry itself must reach the disk for the file to survive a crash. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Confines `rel` to the zone root: no absolute path, no `..`, no empty or `.` segment, no NUL, and
 * no symlink on the way that resolves outside the zone (checked on the real path of the deepest
 * folder that exists). With `create`, missing folders are made after the check.
 */
export function confinedPath(zoneRoot: string, zone: Zone, rel: string, create: boolean): string {
  const unsafe = (why: string) =>
    new KfmError('PATH_UNSAFE', `${zone} path ${JSON.stringify(rel)} ${why}; paths stay inside their zone`, {
      details: { zone, path: rel },
    });
  if (rel === '' || rel.includes('\0')) throw unsafe('is empty or contains NUL');
  if (isAbsolute(rel) || /^[a-zA-Z]:/.test(rel)) throw unsafe('is absolute');
  const segments = rel.split(/[\\/]/);
  if (segments.some((s) => s === '' || s === '.' || s === '..'))
    throw unsafe('has an empty, "." or ".." segment');
  mkdirSync(zoneRoot, { recursive: true });
  const realRoot = realpathSync(zoneRoot);
  const path = join(zoneRoot, ...segments);
  let existing = dirname(path);
  while (!existsSync(existing)) existing = dirname(existing);
  const realExisting = realpathSync(existing);
  if (realExisting !== realRoot && !realExisting.startsWith(realRoot + sep))
    throw unsafe('leaves the zone through a symlink');
  if (existsSync(path) && lstatSync(path).isSymbolicLink()) throw unsafe('is a symlink');
  if (create) {
    mkdirSync(dirname(path), { recursive: true });
    const realParent = realpathSync(dirname(path));
    if (relative(realRoot, realParent).startsWith('..')) throw unsafe('leaves the zone through a symlink');
  }
  return path;
}
