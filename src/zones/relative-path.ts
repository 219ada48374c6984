/**
 * The one rule for paths inside a zone, shared by the zone writer and checksums files (pure, no I/O).
 * A zone path is relative, `/`-separated, and names the same file on every system and in
 * `sha256sum -c`: no absolute path, no `.`/`..`/empty segment, no backslash (sha256sum would escape
 * it, and it reads as a separator on Windows), no control character (NUL truncates C paths; a
 * newline would split a checksums line), no lone UTF-16 surrogate (it has no UTF-8 file name).
 */
export function unsafePathReason(rel: string): string | undefined {
  if (rel === '') return 'is empty';
  for (const char of rel) {
    const code = char.codePointAt(0)!;
    if (code < 0x20 || code === 0x7f) return 'contains NUL or another control character';
  }
  if (/\p{Cs}/u.test(rel)) return 'contains a lone UTF-16 surrogate';
  if (rel.includes('\\')) return 'contains a backslash';
  if (rel.startsWith('/')) return 'is absolute';
  for (const segment of rel.split('/')) {
    if (segment === '') return 'has an empty segment';
    if (segment === '.' || segment === '..') return `has a "${segment}" segment`;
  }
  return undefined;
}

/** Path order of every list we render or hash: UTF-16 code units, as JS `<` and RFC 8785 §3.2.3 sort. */
export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
