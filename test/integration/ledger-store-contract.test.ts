import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { KfmError } from '../../src/errors.js';
import { GENESIS_HASH } from '../../src/events/index.js';
import type { LedgerStore, ReadFilter } from '../../src/ledger/ledger-store.js';
import { MemoryLedger } from '../../src/ledger/memory-ledger.js';
import { nodeEventHasher } from '../../src/ledger/node-hasher.js';
import { verifyChain } from '../../src/ledger/pure/verify-chain.js';
import type { SealDefaults } from '../../src/ledger/seal-context.js';
import { openKfmSqliteLedger } from '../support/kfm-ledgers.js';

/**
 * One contract, every LedgerStore: the in-memory ledger that tests and projections use must behave
 * exactly like the SQLite ledger that connectors write to.
 */
type OpenStore = (defaults: SealDefaults) => Promise<LedgerStore>;

const ACTOR = { tool: 'kfm', tool_version: 'test' };
const FROZEN_MS = Date.parse('2026-02-16T00:00:00.000Z');

function draft(type: string, dataset_id: string, run_id: string, payload: Record<string, unknown> = {}) {
  return { type, dataset_id, run_id, payload };
}

/** Eight events over two datasets and three runs, in a known order. */
const MIXED = [
  draft('x.site.note', 'ks_a', 'r1', { n: 1 }),
  draft('run.completed', 'ks_a', 'r1', { status: 'succeeded' }),
  draft('x.site.note', 'ks_b', 'r2', { n: 3 }),
  draft('x.site.reading', 'ks_a', 'r3', { n: 4 }),
  draft('x.site.note', 'ks_b', 'r2', { n: 5 }),
  draft('run.completed', 'ks_b', 'r2', { status: 'failed' }),
  draft('x.site.note', 'ks_a', 'r3', { n: 7 }),
  draft('run.completed', 'ks_a', 'r3', { status: 'succeeded' }),
];

function errorOf(run: () => unknown): KfmError {
  try {
    run();
  } catch (error) {
    if (error instanceof KfmError) return error;
    throw error;
  }
  return expect.fail('expected the append to be refused');
}

function describeLedgerStoreContract(name: string, openStore: OpenStore): void {
  describe(`${name} (LedgerStore contract)`, () => {
    const opened: LedgerStore[] = [];
    afterEach(() => {
      for (const store of opened.splice(0)) store.close();
    });

    async function open(defaults: Partial<SealDefaults> = {}): Promise<LedgerStore> {
      const store = await openStore({ actor: ACTOR, hasher: nodeEventHasher, ...defaults });
      opened.push(store);
      return store;
    }

    const seqsOf = (store: LedgerStore, filter?: ReadFilter) =>
      [...store.readEvents(filter)].map((r) => r.seq);

    describe('when the ledger is empty', () => {
      it('has the genesis head: seq 0 and 64 zeros', async () => {
        const store = await open();
        expect(store.head()).toEqual({ seq: 0, hash: GENESIS_HASH });
        expect(GENESIS_HASH).toBe('0'.repeat(64));
      });

      it('reads no events', async () => {
        expect(seqsOf(await open())).toEqual([]);
      });
    });

    describe('appendEvents', () => {
      it('returns first_seq, last_seq and the new head of each batch', async () => {
        const store = await open();
        const first = store.appendEvents(MIXED.slice(0, 3));
        expect(first).toMatchObject({
          first_seq: 1,
          last_seq: 3,
          head: { seq: 3, hash: first.events[2]!.hash },
        });
        expect(first.events.map((e) => e.envelope.seq)).toEqual([1, 2, 3]);
        const second = store.appendEvents(MIXED.slice(3, 5));
        expect(second).toMatchObject({
          first_seq: 4,
          last_seq: 5,
          head: { seq: 5, hash: second.events[1]!.hash },
        });
        expect(second.events[0]!.envelope.prev_hash).toBe(first.head.hash);
        expect(store.head()).toEqual(second.head);
      });

      it('stores each event as sealed: columns, canonical body and hash', async () => {
        const store = await open();
        const { events } = store.appendEvents(MIXED);
        const rows = [...store.readEvents()];
        expect(rows).toHaveLength(events.length);
        rows.forEach((row, i) => {
          const { envelope, body, hash } = events[i]!;
          expect(row).toMatchObject({
            seq: envelope.seq,
            event_id: envelope.event_id,
            type: envelope.type,
            dataset_id: envelope.dataset_id,
            run_id: envelope.run_id,
            recorded_at: envelope.recorded_at,
            prev_hash: envelope.prev_hash,
            hash,
          });
          expect(Buffer.from(row.body).equals(Buffer.from(body))).toBe(true);
        });
      });

      it('builds a chain that verifies', async () => {
        const store = await open();
        store.appendEvents(MIXED.slice(0, 4));
        store.appendEvents(MIXED.slice(4));
        const report = verifyChain(store.readEvents(), { hasher: nodeEventHasher });
        expect(report).toMatchObject({ ok: true, events: MIXED.length, head: store.head() });
      });

      it('appends nothing for an empty batch', async () => {
        const store = await open();
        store.appendEvents(MIXED.slice(0, 2));
        const before = store.head();
        const result = store.appendEvents([]);
        expect(result.events).toEqual([]);
        expect(result.head).toEqual(before);
        expect(store.head()).toEqual(before);
      });
    });

    describe('when one draft of a batch is invalid', () => {
      it.each([
        ['an unknown type', { type: 'raw.deleted' }, 'INVALID_EVENT'],
        ['an unsafe dataset_id', { dataset_id: '../x' }, 'INVALID_EVENT'],
        [
          'a payload failing its schema',
          { type: 'run.completed', payload: { status: 'maybe' } },
          'INVALID_EVENT',
        ],
        ['NaN in the payload', { payload: { n: Number.NaN } }, 'NON_CANONICAL_VALUE'],
      ])('refuses %s and appends nothing of the batch', async (_what, patch, code) => {
        const store = await open();
        store.appendEvents(MIXED.slice(0, 2));
        const before = store.head();
        const batch = [MIXED[2]!, { ...MIXED[3]!, ...patch }, MIXED[4]!];
        const error = errorOf(() => store.appendEvents(batch));
        expect(error.code).toBe(code);
        expect(error.details.index).toBe(1);
        expect(store.head()).toEqual(before);
        expect(seqsOf(store)).toEqual([1, 2]);
        // The refused batch left no trace: the next append continues the chain at seq 3.
        expect(store.appendEvents([MIXED[2]!]).first_seq).toBe(3);
      });
    });

    describe('readEvents', () => {
      async function mixed(): Promise<LedgerStore> {
        const store = await open();
        store.appendEvents(MIXED);
        return store;
      }

      it('yields every event in seq order without a filter', async () => {
        expect(seqsOf(await mixed())).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      });

      it.each<[string, ReadFilter, number[]]>([
        ['dataset_id', { dataset_id: 'ks_b' }, [3, 5, 6]],
        ['run_id', { run_id: 'r3' }, [4, 7, 8]],
        ['type', { type: 'run.completed' }, [2, 6, 8]],
        ['from_seq', { from_seq: 6 }, [6, 7, 8]],
        ['to_seq', { to_seq: 2 }, [1, 2]],
        ['from_seq and to_seq (inclusive)', { from_seq: 3, to_seq: 5 }, [3, 4, 5]],
        ['limit', { limit: 3 }, [1, 2, 3]],
        ['limit 0', { limit: 0 }, []],
        ['dataset_id and type', { dataset_id: 'ks_a', type: 'x.site.note' }, [1, 7]],
        ['dataset_id, from_seq and limit', { dataset_id: 'ks_a', from_seq: 2, limit: 2 }, [2, 4]],
        ['a dataset_id that has no events', { dataset_id: 'ks_none' }, []],
      ])('filters by %s, in seq order', async (_what, filter, seqs) => {
        const store = await mixed();
        const rows = [...store.readEvents(filter)];
        expect(rows.map((r) => r.seq)).toEqual(seqs);
        for (const row of rows) {
          if (filter.dataset_id !== undefined) expect(row.dataset_id).toBe(filter.dataset_id);
          if (filter.run_id !== undefined) expect(row.run_id).toBe(filter.run_id);
          if (filter.type !== undefined) expect(row.type).toBe(filter.type);
        }
      });
    });

    describe('event ids', () => {
      it('are monotonic ULIDs across batches when the clock stands still', async () => {
        const store = await open({ now: () => FROZEN_MS });
        const ids: string[] = [];
        for (let batch = 0; batch < 5; batch++) {
          const { events } = store.appendEvents(MIXED);
          ids.push(...events.map((e) => e.envelope.event_id));
        }
        expect(ids.every((id) => /^[0-9A-HJKMNP-TV-Z]{26}$/.test(id))).toBe(true);
        expect(ids.every((id, i) => i === 0 || id > ids[i - 1]!)).toBe(true);
        expect([...store.readEvents()].map((r) => r.event_id)).toEqual(ids);
      });

      it('stay monotonic across two handles of one process appending in turn', async () => {
        const [a, b] = [await open({ now: () => FROZEN_MS }), await open({ now: () => FROZEN_MS })];
        const ids: string[] = [];
        for (let turn = 0; turn < 6; turn++) {
          const store = turn % 2 === 0 ? a : b;
          ids.push(...store!.appendEvents(MIXED.slice(0, 3)).events.map((e) => e.envelope.event_id));
        }
        expect(ids.every((id, i) => i === 0 || id > ids[i - 1]!)).toBe(true);
      });

      it('stay monotonic when the clock steps backwards', async () => {
        let t = FROZEN_MS;
        const store = await open({ now: () => (t -= 1000) });
        const ids = store.appendEvents(MIXED).events.map((e) => e.envelope.event_id);
        expect(ids.every((id, i) => i === 0 || id > ids[i - 1]!)).toBe(true);
      });
    });
  });
}

describeLedgerStoreContract('MemoryLedger', async (defaults) => new MemoryLedger(defaults));

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

describeLedgerStoreContract('SqliteLedger', async (defaults) => {
  const dir = mkdtempSync(join(tmpdir(), 'kfm-contract-'));
  tempDirs.push(dir);
  return openKfmSqliteLedger(join(dir, 'ledger', 'kfm.sqlite'), { ...defaults, create: true });
});
