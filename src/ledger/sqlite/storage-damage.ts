import { KfmError } from '../../errors.js';

/**
 * SQLite's answer to a damaged file (a page that does not parse, a header that lies), met while
 * opening or reading, as STORAGE_CORRUPT with SQLite's own message; null for any other error.
 */
export function storageDamage(path: string, error: unknown): KfmError | null {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || !(code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB')) {
    return null;
  }
  return new KfmError('STORAGE_CORRUPT', `the ledger ${path} is damaged: ${(error as Error).message}`, {
    details: { file: path, sqlite_code: code },
    cause: error,
  });
}
