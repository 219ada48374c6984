import { KfmError } from '../errors.js';
import { comparePaths, unsafePathReason } from './relative-path.js';

export interface ChecksumEntry {
  path: string;
  sha256: string;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * GNU `sha256sum` format, so `sha256sum -c checksums.sha256` verifies a folder with the standard
 * tool: `<64 lowercase hex><space><space><path>\n` (the second space is text mode, which GNU treats
 * like binary on POSIX). Lines are sorted by path in UTF-16 code-unit order (comparePaths: the order
 * of every list we hash; it equals byte order for ASCII paths). Paths must be safe zone paths
 * (unsafePathReason): that also rules out the newlines and backslashes sha256sum would escape.
 */
export function renderChecksums(entries: readonly ChecksumEntry[]): string {
  const sorted = [...entries].sort((a, b) => comparePaths(a.path, b.path));
  return sorted
    .map(({ path, sha256 }, i) => {
      const reason = unsafePathReason(path);
      if (reason !== undefined) {
        throw new KfmError('PATH_UNSAFE', `checksummed path ${JSON.stringify(path)} ${reason}`, {
          details: { path },
        });
      }
      if (!SHA256_HEX.test(sha256)) {
        throw new KfmError(
          'INVALID_INPUT',
          `${path}: ${JSON.stringify(sha256)} is not a lowercase hex sha256`,
          {
            details: { path, field: 'sha256' },
          },
        );
      }
      if (i > 0 && sorted[i - 1]!.path === path) {
        throw new KfmError('INVALID_INPUT', `${path} is listed twice: one checksum per file`, {
          details: { path },
        });
      }
      return `${sha256}  ${path}\n`;
    })
    .join('');
}

/**
 * Reads a checksums file for verification. Untrusted input: every line must be exactly
 * `<sha256><space><space or *><safe relative path>` (the paths are joined to a folder and read
 * next, so `..` or `/` must not get through), each path once; the last line may lack its newline.
 * Any other line (empty, CRLF, GNU's escaped `\` form, BSD tags) is refused with its line number.
 */
export function parseChecksums(text: string, file = 'checksums.sha256'): ChecksumEntry[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const seen = new Set<string>();
  return lines.map((line, i) => {
    const refuse = (why: string) =>
      new KfmError('INVALID_INPUT', `${file} line ${i + 1}: ${why}`, { details: { file, line: i + 1 } });
    const match = /^([0-9a-f]{64}) [ *](.*)$/s.exec(line);
    if (match === null) throw refuse('expected "<64 lowercase hex sha256>  <path>"');
    const path = match[2]!;
    const reason = unsafePathReason(path);
    if (reason !== undefined) throw refuse(`path ${JSON.stringify(path)} ${reason}`);
    if (seen.has(path)) throw refuse(`${path} is listed twice`);
    seen.add(path);
    return { sha256: match[1]!, path };
  });
}
