import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

const require = createRequire(import.meta.url);

/**
 * better-sqlite3, required as the CommonJS it is (an ESM import makes Node scan its source for
 * named exports first), and its addon's path resolved once here: better-sqlite3's own lookup goes
 * through the `bindings` package, which probes a dozen paths. Both are start-up time of every
 * command that opens an SQLite ledger (BENCHMARKS.md, "Start-up"). An addon built elsewhere is
 * left to that lookup.
 */
const Database = require('better-sqlite3') as typeof BetterSqlite3;
const ADDON = addonPath();

function addonPath(): string | undefined {
  try {
    return require.resolve('better-sqlite3/build/Release/better_sqlite3.node');
  } catch {
    return undefined;
  }
}

/** `new Database(…)` of better-sqlite3, with the addon found as above. */
export function openDatabase(
  filename: string | Buffer,
  options: BetterSqlite3.Options = {},
): BetterSqlite3.Database {
  return new Database(filename, ADDON === undefined ? options : { nativeBinding: ADDON, ...options });
}
