import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { note, rawCaptured, toJsonLines } from '../support/drafts.js';
import { type Head, kfmHead, runKfm, runKfmJson } from '../support/kfm-cli.js';
import { openKfmSqliteLedger } from '../support/kfm-ledgers.js';
import {
  copyLedger,
  dropAppendOnlyTriggers,
  type EventRow,
  editBody,
  eventHash,
  ledgerPath,
  readRow,
  readRows,
  withLedgerFile,
} from '../support/ledger-file.js';
import { appendAsRuntime } from '../support/runtime-append.js';
import { useTempDirs } from '../support/temp-dirs.js';

// A real ledger of 8 events (notes by `kfm append`, raw.captured by the runtime's own append,
// since `kfm append` refuses core types); each case tampers with its own copy of the file
// and asks the built CLI (`kfm verify --json`) where the chain breaks, by seq and code.

const EVENTS = 8;
const drafts = Array.from({ length: EVENTS }, (_, i) =>
  i % 3 === 2
    ? rawCaptured('ds_a', 'run_1', `file${i + 1}`)
    : note(i < 4 ? 'ds_a' : 'ds_b', 'run_1', `event ${i + 1}`),
);

interface VerifyReport {
  ok: boolean;
  events: number;
  head: Head;
  failures: { seq: number; code: string; message: string }[];
  failures_omitted: number;
}

const tempRoot = useTempDirs('tamper');
let pristineRoot: string;
let pristineHead: Head;
let pristineRows: EventRow[];

beforeAll(async () => {
  pristineRoot = tempRoot();
  const init = await runKfm(['--root', pristineRoot, 'init']);
  expect(init.status).toBe(0);
  // Several appends, so the ledger holds more than one transaction's worth of chain.
  for (const part of [drafts.slice(0, 2), drafts.slice(2, 3), drafts.slice(3, 5), drafts.slice(5)]) {
    if (part.some((draft) => draft.type === 'raw.captured')) {
      await appendAsRuntime(ledgerPath(pristineRoot), part);
      continue;
    }
    const run = await runKfm(['--root', pristineRoot, 'append'], { input: toJsonLines(part) });
    expect(run.status).toBe(0);
  }
  pristineHead = await kfmHead(pristineRoot);
  pristineRows = withLedgerFile(ledgerPath(pristineRoot), readRows);
  expect(pristineHead.seq).toBe(EVENTS);
  expect(pristineRows.at(-1)?.hash).toBe(pristineHead.hash);
});

/** A fresh root holding a copy of the pristine ledger, after `tamper` changed it directly in SQL. */
function tamperedCopy(tamper: (db: Database.Database) => void): string {
  const root = tempRoot();
  withLedgerFile(copyLedger(pristineRoot, root), (db) => {
    dropAppendOnlyTriggers(db);
    tamper(db);
  });
  return root;
}

/**
 * Every case is verified twice: in one pass, and split by seq over three worker threads
 * (`--threads 3`, segments ≤3, 4–6, 7–8), whose merged report must be exactly the single pass's.
 */
async function verifyJson(
  root: string,
  ...args: string[]
): Promise<{ status: number | null; report: VerifyReport }> {
  const [single, threaded] = await Promise.all(
    ['1', '3'].map((threads) =>
      runKfmJson<VerifyReport>(['--root', root, '--json', 'verify', '--threads', threads, ...args]),
    ),
  );
  expect({ status: threaded!.status, report: threaded!.json }).toEqual({
    status: single!.status,
    report: single!.json,
  });
  return { status: single!.status, report: single!.json };
}

/** The findings as (seq, code) pairs: what an auditor acts on; messages are for people. */
function findings(report: VerifyReport): { seq: number; code: string }[] {
  return report.failures.map(({ seq, code }) => ({ seq, code }));
}

function setColumns(db: Database.Database, seq: number, row: Omit<EventRow, 'seq'>): void {
  db.prepare(
    `UPDATE events SET event_id = @event_id, type = @type, dataset_id = @dataset_id, run_id = @run_id,
       recorded_at = @recorded_at, body = @body, prev_hash = @prev_hash, hash = @hash WHERE seq = @seq`,
  ).run({ ...row, seq });
}

describe('the append-only triggers of a real ledger file', () => {
  let root: string;
  let db: Database.Database;
  beforeAll(() => {
    root = tempRoot();
    db = new Database(copyLedger(pristineRoot, root));
    return () => db.close();
  });

  function refusal(sql: string, ...params: unknown[]): string | undefined {
    try {
      db.prepare(sql).run(...params);
      return undefined;
    } catch (error) {
      return (error as { code?: string }).code;
    }
  }

  it('refuse an UPDATE of any row, through SQL', () => {
    expect(refusal('UPDATE events SET dataset_id = ? WHERE seq = 3', 'ds_z')).toBe(
      'SQLITE_CONSTRAINT_TRIGGER',
    );
    expect(
      refusal(
        'UPDATE events SET body = ?, hash = ? WHERE seq = ?',
        Buffer.from('{}'),
        'f'.repeat(64),
        EVENTS,
      ),
    ).toBe('SQLITE_CONSTRAINT_TRIGGER');
  });

  it('refuse a DELETE of one row or of all, through SQL', () => {
    expect(refusal('DELETE FROM events WHERE seq = ?', EVENTS)).toBe('SQLITE_CONSTRAINT_TRIGGER');
    expect(refusal('DELETE FROM events')).toBe('SQLITE_CONSTRAINT_TRIGGER');
  });

  it('refuse an INSERT that does not extend the chain: wrong seq, or wrong prev_hash', () => {
    const last = readRow(db, EVENTS);
    const forged = (seq: number, prev_hash: string) => ({
      ...last,
      seq,
      event_id: `forged${seq}`,
      prev_hash,
    });
    const insert = `INSERT INTO events (seq, event_id, type, dataset_id, run_id, recorded_at, body, prev_hash, hash)
      VALUES (@seq, @event_id, @type, @dataset_id, @run_id, @recorded_at, @body, @prev_hash, @hash)`;

    expect(refusal(insert, forged(EVENTS + 2, last.hash))).toBe('SQLITE_CONSTRAINT_TRIGGER');
    expect(refusal(insert, forged(EVENTS + 1, last.prev_hash))).toBe('SQLITE_CONSTRAINT_TRIGGER');
    expect(refusal(insert, forged(EVENTS + 1, '0'.repeat(64)))).toBe('SQLITE_CONSTRAINT_TRIGGER');
  });

  it('leave the ledger exactly as it was', async () => {
    expect(readRows(db)).toHaveLength(EVENTS);
    const { status, report } = await verifyJson(root);
    expect(status).toBe(0);
    expect(report).toMatchObject({ ok: true, events: EVENTS, head: pristineHead });
  });
});

describe('kfm verify of a tampered ledger', () => {
  it('passes on the untampered copy, also against an anchor taken by `kfm head`', async () => {
    const root = tamperedCopy(() => {});
    const { status, report } = await verifyJson(root, '--anchor', `${pristineHead.seq}:${pristineHead.hash}`);
    expect(status).toBe(0);
    expect(report).toEqual({
      ok: true,
      events: EVENTS,
      head: pristineHead,
      failures: [],
      failures_omitted: 0,
    });
  });

  it('refuses a --threads that is not auto or 1..64, or beside --deep, with exit 2 naming the flag', async () => {
    const run = await runKfm(['--root', pristineRoot, 'verify', '--threads', '0']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--threads 0: expected auto or a whole number from 1 to 64');
    const deep = await runKfm(['--root', pristineRoot, 'verify', '--deep', '--threads', '2']);
    expect(deep.status).toBe(2);
    expect(deep.stderr).toContain('--threads applies to the chain check alone');
  });

  describe.concurrent('when a body byte changes', () => {
    it('reports BODY_HASH_MISMATCH at that seq (exit 1)', async ({ expect }) => {
      const root = tamperedCopy((db) => {
        const row = readRow(db, 4);
        db.prepare('UPDATE events SET body = ? WHERE seq = 4').run(editBody(row.body, 'event 4', 'event 5'));
      });
      const { status, report } = await verifyJson(root);
      expect(status).toBe(1);
      expect(report.ok).toBe(false);
      expect(findings(report)).toEqual([{ seq: 4, code: 'BODY_HASH_MISMATCH' }]);
    });

    it('says so in the human report too (exit 1, seq and code on stdout)', async ({ expect }) => {
      const root = tamperedCopy((db) => {
        const row = readRow(db, 7);
        db.prepare('UPDATE events SET body = ? WHERE seq = 7').run(editBody(row.body, 'event 7', 'event 0'));
      });
      const run = await runKfm(['--root', root, 'verify']);
      expect(run.status).toBe(1);
      expect(run.stdout).toMatch(/seq 7\s+BODY_HASH_MISMATCH/);
    });
  });

  describe.concurrent('when an indexed column changes', () => {
    it('reports COLUMN_MISMATCH at that seq, for each of dataset_id, type and run_id', async ({ expect }) => {
      const root = tamperedCopy((db) => {
        db.prepare('UPDATE events SET dataset_id = ? WHERE seq = 2').run('ds_z');
        db.prepare('UPDATE events SET type = ? WHERE seq = 5').run('x.test.other');
        db.prepare('UPDATE events SET run_id = ? WHERE seq = 7').run('run_9');
      });
      const { status, report } = await verifyJson(root);
      expect(status).toBe(1);
      expect(findings(report)).toEqual([
        { seq: 2, code: 'COLUMN_MISMATCH' },
        { seq: 5, code: 'COLUMN_MISMATCH' },
        { seq: 7, code: 'COLUMN_MISMATCH' },
      ]);
    });
  });

  describe.concurrent('when a row is deleted', () => {
    it('reports SEQ_GAP at the next seq', async ({ expect }) => {
      const root = tamperedCopy((db) => db.prepare('DELETE FROM events WHERE seq = 4').run());
      const { status, report } = await verifyJson(root);
      expect(status).toBe(1);
      expect(findings(report)).toEqual([{ seq: 5, code: 'SEQ_GAP' }]);
    });
  });

  describe('when two rows swap their contents', () => {
    it('reports the first failure at the earlier seq, and flags both rows', async () => {
      const root = tamperedCopy((db) => {
        const [third, sixth] = [readRow(db, 3), readRow(db, 6)];
        db.prepare("UPDATE events SET event_id = 'swapping' WHERE seq = 6").run(); // event_id is UNIQUE
        setColumns(db, 3, sixth);
        setColumns(db, 6, third);
      });
      const { status, report } = await verifyJson(root);
      expect(status).toBe(1);
      const found = findings(report);
      expect(found[0]?.seq).toBe(3);
      expect(found.every((f) => f.seq >= 3)).toBe(true);
      expect(found).toContainEqual({ seq: 3, code: 'COLUMN_MISMATCH' });
      expect(found).toContainEqual({ seq: 6, code: 'COLUMN_MISMATCH' });
    });
  });

  describe.concurrent('when a body changes and its hash column is recomputed', () => {
    it('reports PREV_LINK_BROKEN at the next seq', async ({ expect }) => {
      const root = tamperedCopy((db) => {
        const body = editBody(readRow(db, 4).body, 'event 4', 'event X');
        db.prepare('UPDATE events SET body = ?, hash = ? WHERE seq = 4').run(body, eventHash(body));
      });
      const { status, report } = await verifyJson(root);
      expect(status).toBe(1);
      expect(findings(report)).toEqual([{ seq: 5, code: 'PREV_LINK_BROKEN' }]);
    });

    it('at the head: passes without an anchor, and reports ANCHOR_MISMATCH at the anchored seq', async ({
      expect,
    }) => {
      const root = tamperedCopy((db) => {
        const body = editBody(readRow(db, EVENTS).body, `event ${EVENTS}`, 'event X');
        db.prepare('UPDATE events SET body = ?, hash = ? WHERE seq = ?').run(body, eventHash(body), EVENTS);
      });
      const [plain, anchored] = await Promise.all([
        verifyJson(root),
        verifyJson(root, '--anchor', `${pristineHead.seq}:${pristineHead.hash}`),
      ]);
      expect(plain.status).toBe(0);
      expect(anchored.status).toBe(1);
      expect(findings(anchored.report)).toEqual([{ seq: EVENTS, code: 'ANCHOR_MISMATCH' }]);
    });
  });

  describe.concurrent('when the tail is truncated and forged events are appended through the real append API', () => {
    /** Deletes seq > keep, then appends `forged` events with openSqliteLedger: the chain stays valid. */
    async function rewriteTail(keep: number, forged: number): Promise<string> {
      const root = tamperedCopy((db) => db.prepare('DELETE FROM events WHERE seq > ?').run(keep));
      const ledger = await openKfmSqliteLedger(ledgerPath(root), {
        actor: { tool: 'kfm', tool_version: '0.1.0' },
      });
      try {
        ledger.appendEvents(
          Array.from({ length: forged }, (_, i) => note('ds_b', 'run_forged', `forged ${i}`)),
        );
      } finally {
        ledger.close();
      }
      return root;
    }

    it('as long as before: passes without anchors; anchors report ANCHOR_MISMATCH at each rewritten seq only', async ({
      expect,
    }) => {
      const root = await rewriteTail(5, EVENTS - 5);
      const [kept, rewritten] = [pristineRows[2]!, pristineRows[5]!];
      const [plain, anchored] = await Promise.all([
        verifyJson(root),
        verifyJson(
          root,
          '--anchor',
          `3:${kept.hash}`,
          '--anchor',
          `6:${rewritten.hash}`,
          '--anchor',
          `${pristineHead.seq}:${pristineHead.hash}`,
        ),
      ]);
      expect(plain.status).toBe(0);
      expect(plain.report).toMatchObject({ ok: true, events: EVENTS, head: { seq: EVENTS } });
      expect(anchored.status).toBe(1);
      expect(findings(anchored.report)).toEqual([
        { seq: 6, code: 'ANCHOR_MISMATCH' },
        { seq: EVENTS, code: 'ANCHOR_MISMATCH' },
      ]);
    });

    it('shorter than before: reports ANCHOR_MISSING at the anchored seq', async ({ expect }) => {
      const root = await rewriteTail(4, 2);
      const { status, report } = await verifyJson(
        root,
        '--anchor',
        `${pristineHead.seq}:${pristineHead.hash}`,
      );
      expect(status).toBe(1);
      expect(findings(report)).toEqual([{ seq: EVENTS, code: 'ANCHOR_MISSING' }]);
    });
  });
});
