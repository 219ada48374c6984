import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { useDemoRoots } from '../support/demo-root.js';
import { note, rawCaptured } from '../support/drafts.js';
import { type KfmRunOptions, runKfm, runKfmJson, STACK_FRAME } from '../support/kfm-cli.js';
import { openKfmSqliteLedger } from '../support/kfm-ledgers.js';
import { ledgerPath, sha256Hex, withLedgerFile } from '../support/ledger-file.js';
import { readOnlyMount } from '../support/read-only-mount.js';
import { appendAsRuntime } from '../support/runtime-append.js';
import { useTempDirs } from '../support/temp-dirs.js';

// Readers (verify, head, log, versions, profile, runs, show, prov, lineage, openlineage, replay --check, serve) open the
// ledger read-only: they never create, migrate or change a file, they work where nothing can be
// written, and a file that is no ledger is never "ok" (issue 10, item 7).

const DATASET = 'ks_mesonet_stations';
const READERS: readonly (readonly string[])[] = [
  ['verify'],
  ['verify', '--deep'],
  ['head'],
  ['log'],
  ['versions', DATASET],
  ['profile', DATASET],
  ['runs'],
  ['show', '1'],
  ['prov', DATASET],
  ['lineage', DATASET],
  ['openlineage', DATASET],
  ['replay', '--check'],
  ['serve', '--port', '0'],
];

/** What a reader must leave exactly as it found it: the bytes, the mtime, the folder beside. */
function fileState(path: string) {
  const stat = statSync(path, { throwIfNoEntry: false });
  return {
    sha256: stat === undefined ? null : sha256Hex(readFileSync(path)),
    mtimeNs: stat === undefined ? null : statSync(path, { bigint: true }).mtimeNs,
    folder: readdirSync(dirname(path)).sort(),
  };
}

const UNREADABLE: { name: string; make: (path: string) => void; readers: typeof READERS }[] = [
  { name: 'an empty (0-byte) file', make: (path) => writeFileSync(path, ''), readers: READERS },
  { name: 'a missing file', make: () => undefined, readers: [['verify'], ['head'], ['runs']] },
  {
    name: 'a text file',
    make: (path) => writeFileSync(path, 'not a ledger\n'.repeat(20)),
    readers: [['verify', '--deep'], ['log'], ['serve', '--port', '0']],
  },
  {
    name: 'an SQLite database without an events table',
    make: (path) => {
      const db = new Database(path);
      db.exec('CREATE TABLE notes (text TEXT)');
      db.close();
    },
    readers: [['verify'], ['lineage', DATASET], ['replay', '--check']],
  },
];

describe('a ledger file that is missing, empty or not a ledger', () => {
  const tempRoot = useTempDirs('read-only-unreadable');

  it.each(UNREADABLE)(
    '$name: every reader exits 1 LEDGER_UNREADABLE and touches nothing',
    async ({ make, readers }) => {
      const root = tempRoot();
      const path = ledgerPath(root);
      mkdirSync(dirname(path), { recursive: true });
      make(path);
      const before = fileState(path);

      const runs = await Promise.all(readers.map((args) => runKfmJson(['--root', root, '--json', ...args])));

      for (const [i, run] of runs.entries()) {
        expect({ reader: readers[i], status: run.status, code: run.json.code }).toEqual({
          reader: readers[i],
          status: 1,
          code: 'LEDGER_UNREADABLE',
        });
        expect(run.json.details).toEqual({ file: path });
        expect(run.stderr).not.toMatch(STACK_FRAME);
      }
      expect(fileState(path)).toEqual(before);
    },
  );

  it('says so in words on stderr without --json, naming the file', async () => {
    const root = tempRoot();
    mkdirSync(dirname(ledgerPath(root)), { recursive: true });
    writeFileSync(ledgerPath(root), '');
    const run = await runKfm(['--root', root, 'verify']);
    expect(run.status).toBe(1);
    expect(run.stdout).not.toContain('ok');
    expect(run.stderr).toContain(`the ledger ${ledgerPath(root)} is empty`);
    expect(run.stderr).toContain('[LEDGER_UNREADABLE]');
  });
});

/** Every reader but serve (which keeps running), as the suite compares their answers. */
const ANSWERING = READERS.filter(([command]) => command !== 'serve').map((args) => ['--json', ...args]);

describe('the readers on a real ledger', () => {
  const demo = useDemoRoots('read-only');
  let root = '';
  let answers: string[] = [];
  beforeAll(async () => {
    root = await demo.pristine();
    answers = [];
    for (const args of ANSWERING) {
      const run = await runKfm(['--root', root, ...args]);
      expect({ args, status: run.status, stderr: run.stderr }).toEqual({ args, status: 0, stderr: '' });
      answers.push(run.stdout);
    }
  }, 180_000);

  it('leave the ledger byte for byte, with its mtime, and no -wal, -shm or -journal beside it', async () => {
    const path = ledgerPath(root);
    const before = fileState(path);
    // The stages that made the root left their (released) dataset locks' folder; no SQLite sidecar.
    expect(before.folder).toEqual(['kfm.sqlite', 'locks']);

    for (const args of ANSWERING) expect((await runKfm(['--root', root, ...args])).status).toBe(0);

    expect(fileState(path)).toEqual(before);
  });

  it('answer on a read-only mount exactly as on a writable folder', async () => {
    const path = ledgerPath(root);
    const before = fileState(path);
    const options: KfmRunOptions = { launcher: readOnlyMount(root) };

    for (const [i, args] of ANSWERING.entries()) {
      const run = await runKfm(['--root', root, ...args], options);
      expect({ args, status: run.status, stderr: run.stderr }).toEqual({ args, status: 0, stderr: '' });
      expect(run.stdout).toBe(answers[i]);
    }
    expect(fileState(path)).toEqual(before);
  });

  it('leave kfm migrate, a writer, to fail on a read-only mount: exit 4, nothing changed', async () => {
    const before = fileState(ledgerPath(root));
    const run = await runKfmJson(['--root', root, '--json', 'migrate'], { launcher: readOnlyMount(root) });
    expect(run.status).toBe(4);
    expect(run.json).toMatchObject({ code: 'IO' });
    expect(fileState(ledgerPath(root))).toEqual(before);
  });
});

describe('projection tables behind the events', () => {
  const tempRoot = useTempDirs('read-only-stale');

  it('make the query commands say MIGRATION_REQUIRED without writing; kfm migrate brings them up, idempotently', async () => {
    const root = tempRoot();
    expect((await runKfm(['--root', root, 'init'])).status).toBe(0);
    const drafts = [rawCaptured('ds_a', 'run_1', 'one'), note('ds_a', 'run_1', 'two')];
    // A capture is a core event, which kfm append refuses: written as the runtime would.
    await appendAsRuntime(ledgerPath(root), drafts);
    const path = ledgerPath(root);
    // Tables built by other reducers (reducer version 0 is what migration 0003 starts from).
    withLedgerFile(path, (db) => db.prepare('UPDATE proj_state SET reducer_version = 0').run());
    const before = fileState(path);

    const runs = await runKfmJson(['--root', root, '--json', 'runs']);
    expect(runs.status).toBe(2);
    expect(runs.json).toMatchObject({ code: 'MIGRATION_REQUIRED', details: { file: path } });
    expect(runs.json.message).toContain('kfm migrate');
    expect(fileState(path)).toEqual(before);

    const migrate = await runKfmJson(['--root', root, '--json', 'migrate']);
    expect(migrate.json).toEqual({
      ledger: path,
      from: '0007_tlog_leaves',
      to: '0007_tlog_leaves',
      applied: [],
      tables_synced: true,
    });
    const again = await runKfmJson(['--root', root, '--json', 'migrate']);
    expect(again.json).toMatchObject({ applied: [], tables_synced: false });
    const after = await runKfmJson(['--root', root, '--json', 'runs']);
    expect(after.json).toMatchObject([{ dataset_id: 'ds_a', run_id: 'run_1', captures: 1 }]);
  });
});

const HOLDING_WRITER = fileURLToPath(new URL('../support/holding-writer.mjs', import.meta.url));

/** Starts holding-writer.mjs: resolves once its events are committed and it still holds the ledger. */
async function holdWriter(path: string, events: number) {
  const child = spawn(process.execPath, [HOLDING_WRITER, path, String(events)], { stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const closed = new Promise<void>((resolve, reject) => {
    child.on('close', (status) =>
      status === 0 ? resolve() : reject(new Error(`holding writer exited ${status}: ${stderr}`)),
    );
  });
  const head = await new Promise<{ seq: number; hash: string }>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.includes('\n')) resolve(JSON.parse(stdout.slice(0, stdout.indexOf('\n'))));
    });
    closed.catch(reject);
  });
  return {
    head,
    release: async () => {
      child.stdin.end('close\n');
      await closed;
    },
  };
}

describe('a reader beside a writer that holds the ledger open', () => {
  const tempRoot = useTempDirs('read-only-writer');

  it('sees every committed event, in a writable folder and through a read-only mount, and leaves the writer its files', async () => {
    const root = tempRoot();
    expect((await runKfm(['--root', root, 'init'])).status).toBe(0);
    const path = ledgerPath(root);
    const writer = await holdWriter(path, 25);
    try {
      // The commits are in the writer's -wal, not yet in the file: only a reader sharing its
      // -shm sees them (an immutable open of the file alone would see none).
      expect(readdirSync(dirname(path)).sort()).toEqual(['kfm.sqlite', 'kfm.sqlite-shm', 'kfm.sqlite-wal']);
      const [plain, mounted] = await Promise.all([
        runKfmJson(['--root', root, '--json', 'verify']),
        runKfmJson(['--root', root, '--json', 'verify'], { launcher: readOnlyMount(root) }),
      ]);
      for (const run of [plain, mounted]) {
        expect(run.stderr).toBe('');
        expect(run.json).toMatchObject({ ok: true, events: 25, head: writer.head });
      }
      expect(readdirSync(dirname(path)).sort()).toEqual(['kfm.sqlite', 'kfm.sqlite-shm', 'kfm.sqlite-wal']);
    } finally {
      await writer.release();
    }
    // The writer's own close checkpointed and removed its files: the reader held nothing back.
    expect(readdirSync(dirname(path))).toEqual(['kfm.sqlite']);
    expect((await runKfmJson(['--root', root, '--json', 'head'])).json).toEqual(writer.head);
  });

  it('keeps the commits of a writer that started while it read: the sidecars it made are removed only by the last close', async () => {
    const root = tempRoot();
    expect((await runKfm(['--root', root, 'init'])).status).toBe(0);
    const path = ledgerPath(root);
    const reader = await openKfmSqliteLedger(path, {
      actor: { tool: 'kfm-test', tool_version: '0' },
      readOnly: true,
    });
    // A read-only connection of a ledger nobody had open must create the WAL files to read it.
    expect(readdirSync(dirname(path)).sort()).toEqual(['kfm.sqlite', 'kfm.sqlite-shm', 'kfm.sqlite-wal']);
    const writer = await holdWriter(path, 7);
    try {
      expect(reader.head()).toEqual(writer.head);
      reader.close();
      // The writer still holds them: the reader's clean-up must leave them, and its commits, alone.
      expect(readdirSync(dirname(path)).sort()).toEqual(['kfm.sqlite', 'kfm.sqlite-shm', 'kfm.sqlite-wal']);
    } finally {
      await writer.release();
    }
    expect(readdirSync(dirname(path))).toEqual(['kfm.sqlite']);
    expect((await runKfmJson(['--root', root, '--json', 'verify'])).json).toMatchObject({
      ok: true,
      events: 7,
    });
  });
});
