import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_SUMMARIES } from '../../src/cli/command-summaries.js';
import { useDemoRoots } from '../support/demo-root.js';
import { note, rawCaptured, toJsonLines } from '../support/drafts.js';
import { runKfm, runKfmJson } from '../support/kfm-cli.js';
import { openKfmSqliteLedger } from '../support/kfm-ledgers.js';
import { ledgerPath, withLedgerFile } from '../support/ledger-file.js';
import { useTempDirs } from '../support/temp-dirs.js';

// What keeps a command's start close to Node's own (issues 5 and 13): an up-to-date ledger is opened
// without loading Kysely (only a pending migration needs it) or zod (the event schemas, needed to
// append and to verify, not to read), nor the parsers, profilers and drivers other commands use;
// `kfm --help` loads no command's code at all. Under the forbid-imports hook a command that loads
// one of them fails (the bundled CLI keeps each package in a chunk of its own, so the hook sees it).

const HOOK = ['--import', fileURLToPath(new URL('../support/forbid-imports.mjs', import.meta.url))];
/** What only some commands need: loaded where used, never at a query command's start. */
const HEAVY = ['yaml', 'csv-parse', 'bloom-filters', 'xxhash-wasm', 'ulid', 'canonicalize', 'pg'];
const forbid = (names: readonly string[]) => ({
  nodeArgs: HOOK,
  env: { KFM_FORBID_IMPORTS: names.join(',') },
});
const FORBID = forbid(['kysely', 'zod', ...HEAVY]);
const DATASET = 'ks_mesonet_stations';
/** A signing key beside the demo root (never inside it), for `kfm checkpoint`. */
const KEY_FILE = 'start.key';
const ALL_MIGRATIONS = [
  '0001_create_events',
  '0002_event_read_indexes',
  '0003_projection_tables',
  '0004_runs_parent_run_id',
  '0005_transparency_log',
  '0007_tlog_leaves',
];

const QUERIES = [
  ['--version'],
  ['versions', '--help'],
  ['--json', 'head'],
  ['--json', 'log'],
  ['--json', 'runs'],
  ['--json', 'versions', DATASET],
  ['--json', 'lineage', DATASET],
  ['lineage', DATASET, '--format', 'dot'],
  ['--json', 'show', '1'],
  ['prov', DATASET],
  ['prove', 'inclusion', '1'],
  ['prove', 'consistency', '1'],
  // A writer that signs and stores a checkpoint, but appends no event: no sealing code.
  ['checkpoint', '--key', KEY_FILE],
].map((args) => ({ args, command: args.join(' ') }));

describe('the query commands on an up-to-date ledger', () => {
  const demo = useDemoRoots('cli-start');
  let root = '';
  beforeAll(async () => {
    root = await demo.pristine();
    const key = await runKfm([
      'key',
      'generate',
      '--name',
      'kfm.local/start',
      '--out',
      join(root, '..', KEY_FILE),
    ]);
    expect(key.status).toBe(0);
  }, 120_000);

  it.each(QUERIES)(
    'kfm $command loads neither Kysely nor zod nor the parsers and drivers, and answers as without the hook',
    async ({ args }) => {
      const options = { cwd: join(root, '..') };
      const [plain, forbidden] = await Promise.all([
        runKfm(['--root', root, ...args], options),
        runKfm(['--root', root, ...args], { ...FORBID, ...options }),
      ]);
      expect(forbidden.stderr).toBe('');
      expect(forbidden.status).toBe(0);
      expect(forbidden.stdout).toBe(plain.stdout);
    },
  );

  it('kfm verify checks the events with zod, and loads none of the rest', async () => {
    const run = await runKfm(['--root', root, 'verify'], forbid(['kysely', ...HEAVY]));
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^ok: /);
  });

  it('kfm append, which validates events with zod, fails under the hook (so the hook bites)', async () => {
    const run = await runKfm(['--root', root, 'append'], {
      ...FORBID,
      input: toJsonLines([note(DATASET, 'run_x', 'x')]),
    });
    // The hook's throw is an uncaught exception in node's loader: node's own exit status 1.
    expect([run.status, run.stdout]).toEqual([1, '']);
    expect(run.stderr).toMatch(/Error: forbidden import of zod \(dep-zod\.js\) from file:/);
  });
});

describe('kfm --help', () => {
  it("lists every command with its usage and summary, and loads no command's code", async () => {
    const run = await runKfm(['--help'], forbid(['command-*', 'kysely', 'zod', ...HEAVY]));

    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    for (const [name, { usage, description }] of Object.entries(COMMAND_SUMMARIES)) {
      const term = usage === '' ? name : `${name} ${usage}`;
      expect(run.stdout).toMatch(new RegExp(`^  ${escapeRegExp(term)} +${escapeRegExp(description)}$`, 'm'));
    }
  });

  it("is the guard's proof: kfm head, which needs its command's chunk, fails under it", async () => {
    const run = await runKfm(['head'], forbid(['command-*']));
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('forbidden import of command-*');
  });
});

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('a query command on a ledger written by an older schema', () => {
  const tempRoot = useTempDirs('cli-start-old');

  async function writeOldLedger(root: string): Promise<string> {
    const path = ledgerPath(root);
    const old = await openKfmSqliteLedger(path, {
      create: true,
      actor: { tool: 'kfm', tool_version: '0.0.1' },
      migrate: { upTo: '0001_create_events' },
    });
    try {
      old.appendEvents([rawCaptured('ds_a', 'run_1', 'one'), note('ds_a', 'run_1', 'two')]);
    } finally {
      old.close();
    }
    return path;
  }

  const migrationsOf = (path: string) =>
    withLedgerFile(path, (db) => db.prepare('SELECT name FROM kysely_migration ORDER BY name').pluck().all());

  it('answers MIGRATION_REQUIRED without loading Kysely or zod, and leaves the schema as it was', async () => {
    const root = tempRoot();
    const path = await writeOldLedger(root);

    const run = await runKfmJson(['--root', root, '--json', 'runs', 'ds_a'], FORBID);

    expect(run.status).toBe(2);
    expect(run.json).toMatchObject({ code: 'MIGRATION_REQUIRED' });
    expect(run.json.message).toContain('kfm migrate');
    expect(migrationsOf(path)).toEqual(['0001_create_events']);
  });

  it('is upgraded by kfm migrate, however many run it at once, and then answers from the new tables', async () => {
    const root = tempRoot();
    const path = await writeOldLedger(root);

    const migrations = await Promise.all(
      [1, 2, 3].map(() => runKfmJson(['--root', root, '--json', 'migrate'])),
    );

    for (const run of migrations) {
      expect(run.stderr).toBe('');
      expect(run.json).toMatchObject({ to: '0007_tlog_leaves' });
    }
    // Migrations serialise under BEGIN IMMEDIATE: each is applied by exactly one of the three.
    expect(migrations.flatMap((run) => run.json.applied as string[]).sort()).toEqual(ALL_MIGRATIONS.slice(1));
    expect(migrationsOf(path)).toEqual(ALL_MIGRATIONS);
    const runs = await runKfmJson(['--root', root, '--json', 'runs', 'ds_a'], FORBID);
    expect(runs.stderr).toBe('');
    expect(runs.json).toMatchObject([{ dataset_id: 'ds_a', run_id: 'run_1', captures: 1 }]);
  });
});
