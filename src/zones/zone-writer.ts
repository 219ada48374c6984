import type { Stats } from 'node:fs';
import { dirname } from 'node:path';
import { KfmError } from '../errors.js';
import {
  pumpToFile,
  sizeMismatch,
  syncDirectory,
  type WrittenFile,
  writeAtomically,
} from './atomic-write.js';
import { confinePath, lstatOrUndefined, makeDirs } from './confine-path.js';
import type { Zone, ZoneLayout } from './zone-layout.js';

export { syncDirectory, type WrittenFile };

export interface WriteOptions {
  /**
   * chmod 0444, and never replace an existing file: raw captures and published artifacts are
   * written once (the seed: raw is immutable, a published version is never touched).
   */
  readOnly?: boolean;
}

export interface CaptureOptions extends WriteOptions {
  /** The length the sender announced (e.g. Content-Length): a shorter or longer body is an IO error. */
  expectedBytes?: number;
}

/** Confined paths in any zone, for reading: every stage may read every zone. */
export interface ZoneReader {
  /** The absolute path of `rel` inside `zone`; throws PATH_UNSAFE for a path that would leave it. */
  resolve(zone: Zone, rel: string): string;
  /** Whether something exists at the confined path (a symlink there throws PATH_UNSAFE). */
  exists(zone: Zone, rel: string): boolean;
}

export interface ZoneWriter extends ZoneReader {
  /** The zones this writer may write (its stage's "Zone write scope"). */
  readonly zones: readonly Zone[];
  /** Atomic write of a whole buffer or string (UTF-8). */
  writeFile(zone: Zone, rel: string, data: string | Uint8Array, options?: WriteOptions): Promise<WrittenFile>;
  /**
   * Streams `source` into a new file while hashing it, in constant memory, then publishes it
   * atomically. On any error (the source throws, the size is not `expectedBytes`, the disk fails)
   * nothing is left behind: a capture is whole or absent.
   */
  captureStream(
    zone: Zone,
    rel: string,
    source: AsyncIterable<Uint8Array>,
    options?: CaptureOptions,
  ): Promise<WrittenFile>;
  /** Creates a confined folder (and its parents); returns its absolute path. */
  mkdir(zone: Zone, rel: string): Promise<string>;
  /**
   * Throws what a write of `rel` would throw about where it is (ZONE_VIOLATION, PATH_UNSAFE),
   * writing nothing; returns the absolute path. A stage checks where it will write before it
   * records anything, so a bad zone fails with the ledger unchanged rather than mid-run.
   */
  checkWritable(zone: Zone, rel: string): string;
}

export function createZoneReader(layout: ZoneLayout): ZoneReader {
  return {
    resolve: (zone, rel) => confinePath(layout[zone], zone, rel),
    exists: (zone, rel) => lstatOrUndefined(confinePath(layout[zone], zone, rel)) !== undefined,
  };
}

/**
 * A writer that permits only `allowed` zones (the seed's "Zone write scope": ingest raw + work,
 * transform and validate work, promote processed + catalog). Writing any other zone throws
 * ZONE_VIOLATION before the path is even looked at; `stage` only names the writer in messages.
 */
export function createZoneWriter(
  layout: ZoneLayout,
  allowed: readonly Zone[],
  options: { stage?: string } = {},
): ZoneWriter {
  const who = options.stage ?? 'this stage';
  const permitted = (zone: Zone, rel: string): string => {
    if (!allowed.includes(zone)) {
      const scope =
        allowed.length === 0
          ? 'no zone'
          : `only the ${allowed.join(' and ')} zone${allowed.length > 1 ? 's' : ''}`;
      throw new KfmError('ZONE_VIOLATION', `${who} may write ${scope}, not the ${zone} zone (${rel})`, {
        details: { zone, path: rel, allowed: [...allowed] },
      });
    }
    return confinePath(layout[zone], zone, rel);
  };
  const prepare = (zone: Zone, rel: string, readOnly: boolean): { path: string; dirs: string[] } => {
    const path = permitted(zone, rel);
    refuseImmutable(zone, rel, lstatOrUndefined(path), readOnly);
    return { path, dirs: makeDirs(layout[zone], zone, rel, dirname(path)) };
  };
  return {
    zones: [...allowed],
    ...createZoneReader(layout),
    async writeFile(zone, rel, data, opts = {}) {
      const readOnly = opts.readOnly === true;
      const { path, dirs } = prepare(zone, rel, readOnly);
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      return writeAtomically(zone, path, rel, readOnly, dirs, async (handle, hash) => {
        hash.update(bytes);
        await handle.writeFile(bytes);
        return bytes.byteLength;
      });
    },
    async captureStream(zone, rel, source, opts = {}) {
      const readOnly = opts.readOnly === true;
      const expected = opts.expectedBytes;
      const { path, dirs } = prepare(zone, rel, readOnly);
      return writeAtomically(zone, path, rel, readOnly, dirs, async (handle, hash) => {
        const total = await pumpToFile(handle, hash, source, expected, `${zone}/${rel}`);
        if (expected !== undefined && total !== expected)
          throw sizeMismatch(`${zone}/${rel}`, expected, total);
        return total;
      });
    },
    async mkdir(zone, rel) {
      const path = permitted(zone, rel);
      for (const dir of makeDirs(layout[zone], zone, rel, path)) await syncDirectory(dir);
      return path;
    },
    checkWritable: permitted,
  };
}

/** A read-only file is immutable, and a read-only write creates, never replaces (ZONE_VIOLATION). */
function refuseImmutable(zone: Zone, rel: string, existing: Stats | undefined, readOnly: boolean): void {
  if (existing === undefined || !existing.isFile()) return;
  const frozen = (existing.mode & 0o222) === 0;
  if (!frozen && !readOnly) return;
  throw new KfmError(
    'ZONE_VIOLATION',
    `${zone} file ${rel} already exists${frozen ? ' and is read-only' : ''}: immutable files are written once, never replaced`,
    { details: { zone, path: rel, reason: 'immutable' } },
  );
}
