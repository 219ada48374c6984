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
 * - Each command stays a chunk of its own, loaded when named (src/cli/program.ts).
 * - Each npm package is one chunk named `dep-<package>` (test/support/forbid-imports-hooks.mjs
 *   refuses those by name, so start-up tests can say what a command must not load).
 * - Native addons and what only a PostgreSQL ledger needs stay external, loaded from node_modules.
 * - The project's example connectors are entries too (connectors/<id>/connector.js): loaded by
 *   load-connector.ts from beside it, they share the CLI's zod, KfmError and the rest; tsc's copies
 *   under dist/connectors/ would bring second copies of those modules.
 */

const DIST = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(DIST, 'cli');
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
  external: (id) => EXTERNAL.some((name) => id === name || id.startsWith(`${name}/`)),
  logLevel: 'warn',
  output: {
    dir: OUT,
    format: 'esm',
    entryFileNames: '[name].js',
    chunkFileNames: '[name].js',
    sourcemap: true,
    codeSplitting: {
      groups: [
        {
          debugName: 'one chunk per npm package',
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
