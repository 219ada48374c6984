import { lstatSync, mkdirSync, realpathSync, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import { KfmError } from '../errors.js';
import { unsafePathReason } from './relative-path.js';
import { isInside, type Zone } from './zone-layout.js';

/**
 * Confinement of zone paths. The threat is a bad name (from a connector, an upstream file name, a
 * registry id) or a stray symlink, not a concurrent attacker who can write inside the zone: Node has
 * no openat2(RESOLVE_BENEATH), so a symlink swapped in between check and use is out of reach here.
 */

function unsafe(zone: Zone, rel: string, why: string): KfmError {
  return new KfmError(
    'PATH_UNSAFE',
    `${zone} path ${JSON.stringify(rel)} ${why}: paths stay inside their zone`,
    {
      details: { zone, path: rel },
    },
  );
}

/** lstat that answers "nothing there" instead of throwing; a dangling symlink counts as present. */
export function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (error) {
    // ENOTDIR: a file where a folder of the path should be; nothing can exist below it.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}

function realpathOrUndefined(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/**
 * The absolute path of `rel` in the zone rooted at `zoneRoot`, without touching the disk beyond
 * lstat/realpath. Refused (PATH_UNSAFE): an unsafe name (see unsafePathReason), a final component
 * that is a symlink (zone files are never links, wherever they point), and a deepest existing
 * ancestor whose real path leaves the zone's real root (a symlinked folder pointing outside).
 */
export function confinePath(zoneRoot: string, zone: Zone, rel: string): string {
  const reason = unsafePathReason(rel);
  if (reason !== undefined) throw unsafe(zone, rel, reason);
  const path = join(zoneRoot, ...rel.split('/'));
  const realRoot = realpathOrUndefined(zoneRoot);
  // No zone root yet: nothing below it exists, so the lexical checks above are the whole answer.
  if (realRoot === undefined) return path;
  const stat = lstatOrUndefined(path);
  if (stat?.isSymbolicLink()) throw unsafe(zone, rel, 'is a symlink');
  let existing = dirname(path);
  while (existing !== zoneRoot && lstatOrUndefined(existing) === undefined) existing = dirname(existing);
  const realExisting = realpathOrUndefined(existing);
  if (realExisting === undefined) throw unsafe(zone, rel, 'goes through a dangling symlink');
  if (!isInside(realRoot, realExisting)) throw unsafe(zone, rel, 'leaves the zone through a symlink');
  return path;
}

/**
 * Creates `dir` (a confined folder of `rel`, or its parent) and any missing folders above it, then
 * re-checks that it still resolves inside the zone. Returns the folders whose entries changed (the
 * parent of each created folder), which the caller fsyncs so new folders survive a crash too.
 */
export function makeDirs(zoneRoot: string, zone: Zone, rel: string, dir: string): string[] {
  mkdirSync(zoneRoot, { recursive: true });
  const first = mkdirSync(dir, { recursive: true });
  const realDir = realpathOrUndefined(dir);
  if (realDir === undefined || !isInside(realpathSync(zoneRoot), realDir)) {
    throw unsafe(zone, rel, 'leaves the zone through a symlink');
  }
  if (first === undefined) return [];
  // mkdir -p created `first` … `dir`; the entry of each lives in the folder above it.
  const changed: string[] = [];
  for (let d = dir; d.length >= first.length; d = dirname(d)) changed.push(dirname(d));
  return changed;
}
