import { KfmError } from '../errors.js';
import { TILE_WIDTH } from './tiles.js';

/**
 * C2SP tlog-tiles entry bundles (`tile/entries/<N>[.p/<W>]`): the entries of level-0 tile N, each
 * a big-endian uint16 length then its bytes. The uint16 caps an entry at 65,535 bytes (the spec
 * leaves bigger entries open), so a longer event body cannot be served this way.
 */
export const MAX_BUNDLED_ENTRY = 0xffff;

export function formatEntryBundle(entries: readonly Uint8Array[]): Uint8Array {
  if (entries.length === 0 || entries.length > TILE_WIDTH)
    throw new KfmError(
      'INVALID_INPUT',
      `an entry bundle holds 1 to ${TILE_WIDTH} entries, not ${entries.length}`,
    );
  const out = new Uint8Array(entries.reduce((n, e) => n + 2 + e.length, 0));
  let at = 0;
  for (const [i, entry] of entries.entries()) {
    if (entry.length > MAX_BUNDLED_ENTRY)
      throw new KfmError(
        'INVALID_INPUT',
        `entry ${i} of the bundle has ${entry.length} bytes; an entry bundle frames at most ${MAX_BUNDLED_ENTRY}`,
        { details: { entry: i, bytes: entry.length } },
      );
    out[at] = entry.length >> 8;
    out[at + 1] = entry.length & 0xff;
    out.set(entry, at + 2);
    at += 2 + entry.length;
  }
  return out;
}

/** The entries of a bundle, or undefined if a length runs past the end or it holds none or too many. */
export function parseEntryBundle(bytes: Uint8Array): Uint8Array[] | undefined {
  const entries: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 2 > bytes.length) return undefined;
    const length = (bytes[at]! << 8) | bytes[at + 1]!;
    if (at + 2 + length > bytes.length) return undefined;
    entries.push(bytes.subarray(at + 2, at + 2 + length));
    at += 2 + length;
  }
  return entries.length === 0 || entries.length > TILE_WIDTH ? undefined : entries;
}
