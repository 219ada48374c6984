import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { isDeepStrictEqual } from 'node:util';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { toJsonLines } from '../support/drafts.js';
import { runKfm, runKfmJson, STACK_FRAME } from '../support/kfm-cli.js';
import { type EventRow, ledgerPath, readRows } from '../support/ledger-file.js';
import { mulberry32 } from '../support/prng.js';
import { useTempDirs } from '../support/temp-dirs.js';

// Damage below the hash chain: SQLite's own file structure (issue 10, item 3). A damaged index
// makes `kfm log --type` miss rows while every event still hashes; verify runs SQLite's
// quick_check (--deep: integrity_check) and reports STORAGE_CORRUPT, exit 1.

const TYPES = ['x.test.alpha', 'x.test.bravo', 'x.test.charlie'];
const EVENTS = 12;

interface Verified {
  ok: boolean;
  events: number;
  failures: { code: string; message: string }[];
}

/** A root with EVENTS extension events and their receipts: `verify --deep` is clean on it. */
async function buildRoot(root: string): Promise<void> {
  expect((await runKfm(['--root', root, 'init'])).status).toBe(0);
  const drafts = Array.from({ length: EVENTS }, (_, n) => ({
    type: TYPES[n % TYPES.length],
    dataset_id: `ds_${n % 2}`,
    run_id: `run_${n % 4}`,
    payload: { n },
  }));
  expect((await runKfm(['--root', root, 'append'], { input: toJsonLines(drafts) })).status).toBe(0);
  expect((await runKfm(['--root', root, 'replay'])).status).toBe(0);
  const deep = await runKfmJson<Verified>(['--root', root, '--json', 'verify', '--deep']);
  expect(deep.json).toMatchObject({ ok: true, events: EVENTS });
}

/** The byte offset of the root page of an index, and the page size, read from the intact file. */
function indexPage(path: string, index: string): { offset: number; size: number } {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const root = db.prepare('SELECT rootpage FROM sqlite_master WHERE name = ?').pluck().get(index) as number;
    const size = db.pragma('page_size', { simple: true }) as number;
    return { offset: (root - 1) * size, size };
  } finally {
    db.close();
  }
}

/** What SQLite itself says of the file, asked independently of kfm: ['ok'] when intact. */
function sqliteCheck(path: string, pragma: 'quick_check' | 'integrity_check'): string[] {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(`PRAGMA ${pragma}`).pluck().all() as string[];
  } finally {
    db.close();
  }
}

function countByTypeIndex(path: string, type: string): number {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare('SELECT count(*) FROM events INDEXED BY events_by_type WHERE type = ?')
      .pluck()
      .get(type) as number;
  } finally {
    db.close();
  }
}

describe('an index page damaged under an intact events table', () => {
  const tempRoot = useTempDirs('tamper-storage');
  let root = '';
  beforeAll(async () => {
    root = tempRoot();
    await buildRoot(root);
  }, 60_000);

  /** A copy of the root's ledger, edited by `edit`, under a root of its own. */
  function damagedLedger(edit: (bytes: Buffer, page: { offset: number; size: number }) => void): string {
    const path = join(tempRoot(), 'kfm.sqlite');
    copyFileSync(ledgerPath(root), path);
    const bytes = readFileSync(path);
    edit(bytes, indexPage(path, 'events_by_type'));
    writeFileSync(path, bytes);
    return path;
  }

  it('an entry of events_by_type naming another type: reads by type miss it, verify --deep says STORAGE_CORRUPT', async () => {
    const path = damagedLedger((bytes, page) => {
      const at = bytes.indexOf('x.test.bravo', page.offset, 'latin1');
      expect(at).toBeGreaterThan(page.offset);
      expect(at).toBeLessThan(page.offset + page.size);
      bytes.write('x.test.bravz', at, 'latin1');
    });
    expect(sqliteCheck(path, 'integrity_check').join('\n')).toContain('missing from index events_by_type');
    // What a reader by type would get (the issue's `kfm log --type`, when SQLite picks the index).
    expect(countByTypeIndex(path, 'x.test.bravo')).toBeLessThan(EVENTS / TYPES.length);

    const deep = await runKfmJson<Verified>(['--root', root, '--ledger', path, '--json', 'verify', '--deep']);

    expect(deep.status).toBe(1);
    expect(deep.json.ok).toBe(false);
    // The chain was still checked, every event of it: the damage is below the chain.
    expect(deep.json.events).toBe(EVENTS);
    const storage = deep.json.failures.filter((f) => f.code === 'STORAGE_CORRUPT');
    expect(storage.length).toBeGreaterThan(0);
    expect(storage[0]!.message).toMatch(/^SQLite integrity_check: .*events_by_type/);
  });

  it('a page that is no b-tree page: plain verify says STORAGE_CORRUPT in its report, --json and text', async () => {
    const path = damagedLedger((bytes, page) => {
      bytes.fill(0, page.offset, page.offset + 8);
    });
    expect(sqliteCheck(path, 'quick_check')).not.toEqual(['ok']);

    const json = await runKfmJson<Verified>(['--root', root, '--ledger', path, '--json', 'verify']);
    const text = await runKfm(['--root', root, '--ledger', path, 'verify']);

    expect(json.status).toBe(1);
    expect(json.json).toMatchObject({ ok: false, events: EVENTS });
    expect(json.json.failures[0]).toMatchObject({
      code: 'STORAGE_CORRUPT',
      message: expect.stringMatching(/^SQLite quick_check: /),
    });
    expect(text.status).toBe(1);
    expect(text.stdout).toMatch(/^FAILED: /);
    expect(text.stdout).toContain('STORAGE_CORRUPT  SQLite quick_check: ');
    expect(text.stderr).toBe('');
  });
});

/** Runs the CLI in this process (main.ts: the one place errors become messages and exit codes). */
async function kfmInProcess(args: string[]): Promise<{ status: number; output: string }> {
  let output = '';
  const io = {
    stdout: (text: string) => {
      output += text;
    },
    stderr: (text: string) => {
      output += text;
    },
    stdin: Readable.from([]),
    isTTY: false,
  };
  const status = await main(args, io);
  return { status, output };
}

/** What an independent reader of the file finds: SQLite's check, and whether the rows changed. */
function inspect(path: string, original: EventRow[]): { quick: boolean; integrity: boolean; rows: boolean } {
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch {
    return { quick: true, integrity: true, rows: true };
  }
  const damaged = (pragma: string) => {
    try {
      return !isDeepStrictEqual(db.prepare(`PRAGMA ${pragma}`).pluck().all(), ['ok']);
    } catch {
      return true;
    }
  };
  try {
    let rows: boolean;
    try {
      rows = !isDeepStrictEqual(readRows(db), original);
    } catch {
      rows = true;
    }
    return { quick: damaged('quick_check'), integrity: damaged('integrity_check'), rows };
  } finally {
    db.close();
  }
}

describe('random 4-byte flips anywhere in a small ledger file', () => {
  const tempRoot = useTempDirs('tamper-storage-flips');

  it('never leave verify or verify --deep saying ok over damage SQLite or the rows show, and never crash', async () => {
    const root = tempRoot();
    await buildRoot(root);
    const pristine = readFileSync(ledgerPath(root));
    const original = (() => {
      const db = new Database(ledgerPath(root), { readonly: true, fileMustExist: true });
      try {
        return readRows(db);
      } finally {
        db.close();
      }
    })();
    const random = mulberry32(20261202);
    // Most of a small SQLite file is free space inside its pages, where a flip harms nothing.
    const flips = 400;
    let damaged = 0;
    for (let i = 0; i < flips; i++) {
      const bytes = Buffer.from(pristine);
      const at = 4 * Math.floor(random() * (bytes.length / 4));
      bytes.writeUInt32BE((bytes.readUInt32BE(at) ^ (Math.floor(random() * 0xffffffff) + 1)) >>> 0, at);
      const path = join(tempRoot(), 'kfm.sqlite');
      writeFileSync(path, bytes);

      const plain = await kfmInProcess(['--root', root, '--ledger', path, '--json', 'verify']);
      const deep = await kfmInProcess(['--root', root, '--ledger', path, '--json', 'verify', '--deep']);
      const found = inspect(path, original);

      const flip = { offset: at, found };
      for (const run of [plain, deep]) {
        expect({ flip, status: [0, 1].includes(run.status) }).toEqual({ flip, status: true });
        expect(run.output).not.toMatch(STACK_FRAME);
        expect(run.output).not.toContain('--debug');
      }
      if (found.quick || found.rows) expect({ flip, status: plain.status }).toEqual({ flip, status: 1 });
      if (found.integrity || found.rows) expect({ flip, status: deep.status }).toEqual({ flip, status: 1 });
      if (found.integrity || found.rows) damaged++;
    }
    // Not vacuous: dozens of the flips did damage that had to be caught.
    expect(damaged).toBeGreaterThan(20);
  }, 240_000);
});
