import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openKfmLedger } from '../../src/compose/open-kfm-ledger.js';
import { KfmError } from '../../src/errors.js';
import { GENESIS_HASH } from '../../src/events/index.js';
import type { LedgerDoor } from '../../src/ledger/ledger-door.js';
import { nodeEventHasher } from '../../src/ledger/node-hasher.js';
import { verifyChain } from '../../src/ledger/pure/verify-chain.js';
import { runAppendWorkers, type WorkerPlan } from '../support/append-workers.js';
import { runKfm } from '../support/kfm-cli.js';
import { usePostgresDatabases, withPostgres } from '../support/postgres.js';

// The PostgreSQL ledger's own guarantees, beyond the door contract: the database enforces the
// chain rules for every client, concurrent writers on many processes serialize into one chain,
// and a writer killed inside its transaction leaves nothing.

const ACTOR = { actor: { tool: 'kfm-test', tool_version: '0' } };
const KILLED_WRITER = fileURLToPath(new URL('../support/killed-writer.mjs', import.meta.url));
const note = (n: number) => ({ type: 'x.test.note', dataset_id: 'pg', run_id: 'run_pg', payload: { n } });

async function withDoor<T>(url: string, use: (door: LedgerDoor) => Promise<T>, readOnly = false): Promise<T> {
  const door = await openKfmLedger(url, { ...ACTOR, readOnly });
  try {
    return await use(door);
  } finally {
    await door.close();
  }
}

async function codeOf(work: Promise<unknown>): Promise<string> {
  const error = await work.then(
    () => expect.fail('expected a refusal'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KfmError);
  return (error as KfmError).code;
}

describe('a PostgreSQL ledger', () => {
  const database = usePostgresDatabases();

  describe('refuses, in the database, whatever a client sends', () => {
    it.each([
      ['UPDATE', "UPDATE events SET type = 'x.forged' WHERE seq = 2", /append-only, UPDATE refused/],
      ['DELETE', 'DELETE FROM events WHERE seq = 3', /append-only, DELETE refused/],
      ['TRUNCATE', 'TRUNCATE events', /append-only, TRUNCATE refused/],
      [
        'an insert past the head',
        "INSERT INTO events SELECT seq + 5, event_id || 'x', type, dataset_id, run_id, recorded_at, body, hash, hash FROM events WHERE seq = 3",
        /must extend the chain/,
      ],
      [
        'an insert with a wrong prev_hash',
        "INSERT INTO events SELECT 4, event_id || 'x', type, dataset_id, run_id, recorded_at, body, prev_hash, hash FROM events WHERE seq = 3",
        /must extend the chain/,
      ],
    ])('%s', async (_what, statement, message) => {
      const url = await database();
      const head = await withDoor(url, async (door) => (await door.append([note(1), note(2), note(3)])).head);
      await withPostgres(url, (client) => expect(client.query(statement)).rejects.toThrow(message));
      await withDoor(url, async (door) => {
        expect(await door.head()).toEqual(head);
        expect(await door.verifyChain()).toMatchObject({ ok: true, events: 3 });
      });
    });
  });

  describe('checks its own storage (kfm verify): the seqs held and the append-only triggers', () => {
    it('finds nothing wrong in a ledger as kfm wrote it, empty or not', async () => {
      const url = await database();
      await withDoor(url, async (door) => {
        expect(await door.checkStorage(false)).toEqual([]);
        await door.append([note(1), note(2), note(3)]);
        expect(await door.checkStorage(true)).toEqual([]);
      });
    });

    it.each([
      [
        'a disabled trigger',
        'ALTER TABLE events DISABLE TRIGGER events_refuse_delete',
        'events_refuse_delete on events is disabled',
      ],
      [
        'a trigger that fires only on replicas',
        'ALTER TABLE events ENABLE REPLICA TRIGGER events_refuse_update',
        'events_refuse_update on events is disabled',
      ],
      [
        'a dropped trigger',
        'DROP TRIGGER events_require_linear_insert ON events',
        'events_require_linear_insert on events is missing',
      ],
      [
        'a trigger pointed at another function',
        `CREATE FUNCTION kfm_allow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
         DROP TRIGGER events_refuse_update ON events;
         CREATE TRIGGER events_refuse_update BEFORE UPDATE ON events FOR EACH ROW EXECUTE FUNCTION kfm_allow()`,
        'events_refuse_update on events calls kfm_allow, not kfm_events_refuse_change',
      ],
      [
        'a row deleted past the triggers',
        'SET session_replication_role = replica; DELETE FROM events WHERE seq = 2',
        'events holds 2 rows but its seqs run from 1 to 3',
      ],
    ])('reports %s as STORAGE_CORRUPT', async (_what, statement, message) => {
      const url = await database();
      await withDoor(url, (door) => door.append([note(1), note(2), note(3)]));
      await withPostgres(url, (client) => client.query(statement));
      const failures = await withDoor(url, (door) => door.checkStorage(false), true);
      expect(failures).toEqual([{ code: 'STORAGE_CORRUPT', message: expect.stringContaining(message) }]);
    });

    it('fails kfm verify (exit 1), a finding for each trigger it found off', async () => {
      const url = await database();
      await withDoor(url, (door) => door.append([note(1), note(2), note(3)]));
      await withPostgres(url, (client) => client.query('ALTER TABLE events DISABLE TRIGGER ALL'));
      const run = await runKfm(['--ledger', url, '--json', 'verify']);
      expect(run.status, run.stderr).toBe(1);
      const report = JSON.parse(run.stdout) as { ok: boolean; failures: { code: string; message: string }[] };
      expect(report.ok).toBe(false);
      expect(report.failures.map((f) => f.code)).toEqual(Array(4).fill('STORAGE_CORRUPT'));
    });
  });

  it('verifies the chain in ranges, a cursor each, reporting exactly what one pass reports', async () => {
    const url = await database();
    const { events } = await withDoor(url, (door) =>
      door.append(Array.from({ length: 30 }, (_, n) => note(n))),
    );
    // Seq 10 ends the first of three ranges: its forged hash breaks its body check and seq 11's link,
    // which the second range must see through the stored head it starts from.
    await withPostgres(url, (client) =>
      client.query(
        `SET session_replication_role = replica; UPDATE events SET hash = '${'f'.repeat(64)}' WHERE seq = 10`,
      ),
    );
    const anchors = [
      { seq: 15, hash: events[14]!.hash },
      { seq: 25, hash: 'e'.repeat(64) },
    ];
    await withDoor(
      url,
      async (door) => {
        const rows = [];
        for await (const row of door.read()) rows.push(row);
        for (const maxFailures of [1000, 2]) {
          const onePass = verifyChain(rows, { hasher: nodeEventHasher, anchors, maxFailures });
          expect(onePass.failures.map((f) => [f.seq, f.code])).toEqual(
            [
              [10, 'BODY_HASH_MISMATCH'],
              [11, 'PREV_LINK_BROKEN'],
              [25, 'ANCHOR_MISMATCH'],
            ].slice(0, maxFailures),
          );
          for (const threads of [1, 2, 3, 4, 7])
            expect(await door.verifyChain({ anchors, maxFailures, threads }), `${threads} ranges`).toEqual(
              onePass,
            );
        }
      },
      true,
    );
  });

  it('lets a reader open only a database that holds a ledger, and never append', async () => {
    const url = await database();
    expect(await codeOf(openKfmLedger(url, { ...ACTOR, readOnly: true }))).toBe('LEDGER_UNREADABLE');
    await withDoor(url, (door) => door.append([note(1)]));
    await withDoor(
      url,
      async (door) => {
        expect((await door.head()).seq).toBe(1);
        expect(await codeOf(door.append([note(2)]))).toBe('USAGE');
        expect(await (await door.projections()).runs()).toEqual([]);
      },
      true,
    );
  });

  it('says NOT_FOUND for a missing database and IO for an unreachable server', async () => {
    const url = new URL(await database());
    url.pathname = '/kfm_test_no_such_database';
    expect(await codeOf(openKfmLedger(url.toString(), ACTOR))).toBe('NOT_FOUND');
    expect(await codeOf(openKfmLedger('postgres://postgres@127.0.0.1:1/x', ACTOR))).toBe('IO');
  });

  it('serializes 8 writer processes appending at once into one linear chain with every event', async () => {
    const url = await database();
    // Created first, so the workers race on appends rather than on the first migration.
    await withDoor(url, async () => undefined);
    const plan: WorkerPlan = { workers: 8, eventsEach: 40, maxBatch: 5 };
    const total = plan.workers * plan.eventsEach;

    const results = await runAppendWorkers(url, plan);

    const given = results.flatMap((r) => r.seqs).sort((a, b) => a - b);
    expect(given).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    await withDoor(url, async (door) => {
      const events: { worker: number; n: number }[] = [];
      for await (const e of door.readDecoded()) events.push(e.payload as { worker: number; n: number });
      expect(events).toHaveLength(total);
      for (let worker = 0; worker < plan.workers; worker++) {
        const own = events.filter((p) => p.worker === worker).map((p) => p.n);
        expect(own).toEqual(Array.from({ length: plan.eventsEach }, (_, n) => n));
      }
      // The writers really overlapped: the chain passes between them more often than once each.
      const handovers = events.filter((p, i) => i > 0 && p.worker !== events[i - 1]!.worker).length;
      expect(handovers).toBeGreaterThan(plan.workers);
      expect(await door.verifyChain()).toMatchObject({ ok: true, events: total, failures: [] });
    });
  });

  it('keeps nothing of a writer killed mid-batch, and the next writer continues the chain', async () => {
    const url = await database();
    const before = await withDoor(url, async (door) => (await door.append([note(1), note(2)])).head);

    const child = spawn(process.execPath, [KILLED_WRITER, url, '3'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    const inserted = new Promise<void>((resolve, reject) => {
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
        if (stderr.includes('inserted\n')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`killed-writer exited ${code} early:\n${stderr}`)));
    });
    await inserted;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;

    await withDoor(url, async (door) => {
      expect(await door.head()).toEqual(before);
      // The dead session's head lock is gone with it: this append does not wait on it.
      const next = await door.append([note(3)]);
      expect(next.first_seq).toBe(3);
      expect(next.events[0]!.envelope.prev_hash).toBe(before.hash);
      const runs = new Set<string>();
      for await (const row of door.read()) runs.add(row.run_id);
      expect([...runs]).toEqual(['run_pg']);
      expect(await door.verifyChain()).toMatchObject({ ok: true, events: 3 });
    });
  });

  it('starts at genesis and migrates once however many writers open it', async () => {
    const url = await database();
    const doors = await Promise.all(Array.from({ length: 4 }, () => openKfmLedger(url, ACTOR)));
    try {
      expect(await doors[0]!.head()).toEqual({ seq: 0, hash: GENESIS_HASH });
      const names = await withPostgres(url, async (client) =>
        (await client.query<{ name: string }>('SELECT name FROM kysely_migration ORDER BY name')).rows.map(
          (r) => r.name,
        ),
      );
      expect(names).toEqual([
        '0001_create_events',
        '0002_event_read_indexes',
        '0003_projection_tables',
        '0004_runs_parent_run_id',
        '0005_transparency_log',
        '0006_dataset_locks',
        '0007_tlog_leaves',
      ]);
    } finally {
      for (const door of doors) await door.close();
    }
  });
});
