import { KfmError } from '../errors.js';

export interface ChecksumEntry {
  path: string;
  sha256: string;
}

/**
 * `sha256sum` format, so `sha256sum -c checksums.sha256` verifies a folder with the standard tool:
 * "<64 hex><space><space><path>\n" (two spaces: text mode, which GNU treats like binary). Sorted by
 * path in UTF-16 code-unit order, like every ordering we hash. Paths with a newline or backslash
 * would need sha256sum's escaping; zone paths never contain them, so they are refused.
 */
export function renderChecksums(entries: readonly ChecksumEntry[]): string {
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return sorted
    .map(({ path, sha256 }) => {
      if (/[\n\r\\]/.test(path))
        throw new KfmError(
          'PATH_UNSAFE',
          `${JSON.stringify(path)}: newline or backslash in a checksummed path`,
        );
      if (!/^[0-9a-f]{64}$/.test(sha256))
        throw new KfmError('INVALID_INPUT', `${path}: ${sha256} is not a sha256`);
      return `${sha256}  ${path}\n`;
    })
    .join('');
}

/** Reads a checksums file back; refuses malformed lines, naming them. */
export function parseChecksums(text: string, file = 'checksums.sha256'): ChecksumEntry[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line, i) => {
      const match = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
      if (match === null) {
        throw new KfmError('INVALID_INPUT', `${file} line ${i + 1}: expected "<sha256>  <path>"`, {
          details: { file, line: i + 1 },
        });
      }
      return { sha256: match[1]!, path: match[2]! };
    });
}
