import { chmodSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

/**
 * The CLI users and tests run (package.json `bin`, test/support/kfm-cli.ts): tsc's output under
 * dist/ bundled into ES modules in dist/cli/, so a command starts by reading a few files instead of
 * resolving and compiling hundreds. Run by `npm run build` after tsc. Every file lands in dist/cli/
 * itself (the chunks too), so a `new URL('./…', import.meta.url)` finds its neighbours from any chunk.
 *
 * - Each command stays a chunk of its own, `command-<name>.js`, loaded when named (src/cli/program.ts).
 * - Each npm package is one chunk named `dep-<package>` (test/support/forbid-imports-hooks.mjs
 *   refuses those by name, so start-up tests can say what a command must not load).
 * - Native addons and what only a PostgreSQL ledger needs stay external, loaded from node_modules.
 * - The project's example connectors are entries too (connectors/<id>/connector.js): loaded by
 *   load-connector.ts from beside it, they share the CLI's zod, KfmError and the rest; tsc's copies
 *   under dist/connectors/ would bring second copies of those modules.
 */

const DIST = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(DIST, 'cli');
/** Each command module's chunk is `command-<name>.js`, so a test can tell whether any was loaded. */
const COMMANDS = join(DIST, 'src', 'cli', 'commands');
const EXTERNAL = ['better-sqlite3', 'pg', 'pg-native'];

/** The npm package a module id lies in (the last node_modules/ segment), or null for our own code. */
function packageOf(id: string): string | null {
  const match = /[\\/]node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)[\\/](?!.*[\\/]node_modules[\\/])/.exec(id);
  return match === null ? null : match[1]!.replace('\\', '/');
}

/** The chunk name of a package: `dep-zod`, `dep-noble-hashes` (no `@` or `/` in a file name). */
function depChunkName(name: string): string {
  return `dep-${name.replace(/^@/, '').replace('/', '-')}`;
}

/**
 * Node's ESM loader costs about a millisecond a module file, more than compiling a few kB: the
 * modules every command loads (kfm-base), those that open an SQLite ledger (kfm-ledger), and what
 * the queries, the proofs, lineage and verify add (kfm-query, kfm-tlog, kfm-lineage, kfm-events,
 * kfm-verify) go in one chunk each instead of dozens. A chunk's modules all run when it loads, so
 * only the modules named are grouped, not what they import, and no group brings a package a
 * command must not load (test/integration/cli-start.test.ts holds it).
 */
const KFM_BASE = new RegExp(
  [
    String.raw`dist/src/(errors|tool-info|failpoints)\.js$`,
    String.raw`dist/src/cli/(io|command-summaries|find-root|human-table|ledger-access)\.js$`,
    String.raw`dist/src/(contract/stage-types|events/constants|ledger/ledger-door|ledger/sqlite/storage-damage)\.js$`,
  ].join('|'),
);
const KFM_LEDGER = new RegExp(
  [
    String.raw`dist/src/ledger/sqlite/(sqlite-door|sqlite-ledger|open-database|read-only-open|storage-check|migrate|projection-tables|projection-queries|tree-tables|dataset-lock-file)\.js$`,
    String.raw`dist/src/ledger/(ledger-store|dataset-lock|lock-wait|tree-errors)\.js$`,
    String.raw`dist/src/ledger/pure/(tree-sync|projection-columns|projection-rows)\.js$`,
    String.raw`dist/src/tlog/(tile-builder|tiles|tree-hasher|node-tree-hasher)\.js$`,
    String.raw`dist/migrations/index\.js$`,
  ].join('|'),
);

/** What the query commands (versions, lineage, runs, show …) add to it. */
const KFM_QUERY =
  /dist\/src\/(cli\/query-access|contract\/stage-scope|projections\/ledger-event|registry\/nearest-ids)\.js$/;
/** What proofs and checkpoints (prove, checkpoint, bundle, verify --checkpoint) add to it. */
const KFM_TLOG = new RegExp(
  [
    String.raw`dist/src/tlog/(prove|checkpoint|signed-note|note-keys|node-ed25519|tree-checkpoint|bytes)\.js$`,
    String.raw`dist/src/ledger/(tree-reads|tree-proofs)\.js$`,
  ].join('|'),
);

/** What `kfm lineage` (and the lineage page) draws with. */
const KFM_LINEAGE =
  /dist\/src\/(projections\/lineage|projections\/lineage-graph|cli\/lineage-text|cli\/commands\/lineage)\.js$/;
/** The event vocabulary (zod schemas, built when loaded) and the checks that need it. */
const KFM_EVENTS = new RegExp(
  [
    String.raw`dist/src/events/(index|profile|vocabulary|envelope|ids)\.js$`,
    String.raw`dist/src/ledger/(pure/verify-chain|sqlite/parallel-verify)\.js$`,
    String.raw`dist/src/tlog/proof-json\.js$`,
  ].join('|'),
);
/** What `kfm verify` adds without the vocabulary: hashing, proof checks, progress. */
const KFM_VERIFY = new RegExp(
  [
    String.raw`dist/src/ledger/(pure/event-hash|node-hasher)\.js$`,
    String.raw`dist/src/(audit/progress-bar|contract/backfill/progress|cli/read-input|events/utf8)\.js$`,
    String.raw`dist/src/tlog/(verify-proof|tlog-proof)\.js$`,
  ].join('|'),
);

function connectorEntries(): Record<string, string> {
  const dir = join(DIST, 'connectors');
  const ids = readdirSync(dir).filter((id) => existsSync(join(dir, id, 'connector.js')));
  return Object.fromEntries(ids.map((id) => [`connectors/${id}/connector`, join(dir, id, 'connector.js')]));
}

rmSync(OUT, { recursive: true, force: true });
await build({
  input: {
    kfm: join(DIST, 'src', 'cli', 'kfm.js'),
    // parallel-verify.ts starts it as new URL('./verify-segment-worker.js', import.meta.url).
    'verify-segment-worker': join(DIST, 'src', 'ledger', 'sqlite', 'verify-segment-worker.js'),
    ...connectorEntries(),
  },
  platform: 'node',
  // Required by the groups below, which take the modules they name and not what those import.
  preserveEntrySignatures: 'allow-extension',
  external: (id) => EXTERNAL.some((name) => id === name || id.startsWith(`${name}/`)),
  logLevel: 'warn',
  output: {
    dir: OUT,
    format: 'esm',
    entryFileNames: '[name].js',
    chunkFileNames: (chunk) =>
      chunk.facadeModuleId !== null && dirname(chunk.facadeModuleId) === COMMANDS
        ? 'command-[name].js'
        : '[name].js',
    sourcemap: true,
    codeSplitting: {
      groups: [
        { name: 'kfm-base', test: KFM_BASE, priority: 2, includeDependenciesRecursively: false },
        { name: 'kfm-ledger', test: KFM_LEDGER, priority: 1, includeDependenciesRecursively: false },
        { name: 'kfm-query', test: KFM_QUERY, priority: 1, includeDependenciesRecursively: false },
        { name: 'kfm-tlog', test: KFM_TLOG, priority: 1, includeDependenciesRecursively: false },
        { name: 'kfm-lineage', test: KFM_LINEAGE, priority: 1, includeDependenciesRecursively: false },
        { name: 'kfm-events', test: KFM_EVENTS, priority: 1, includeDependenciesRecursively: false },
        { name: 'kfm-verify', test: KFM_VERIFY, priority: 1, includeDependenciesRecursively: false },
        {
          debugName: 'one chunk per npm package',
          // First: a package's modules stay in its chunk whatever our groups import.
          priority: 3,
          name: (id) => {
            const name = packageOf(id);
            return name === null ? null : depChunkName(name);
          },
        },
      ],
    },
  },
});
chmodSync(join(OUT, 'kfm.js'), 0o755);
