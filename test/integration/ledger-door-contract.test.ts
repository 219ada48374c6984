import { afterEach, describe, expect, it } from 'vitest';
import { KfmError } from '../../src/errors.js';
import { GENESIS_HASH } from '../../src/events/index.js';
import { type LedgerDoor, openLedger } from '../../src/ledger/ledger-door.js';
import type { ReadFilter } from '../../src/ledger/ledger-store.js';
import { MemoryDoor } from '../../src/ledger/memory-door.js';
import { nodeEventHasher } from '../../src/ledger/node-hasher.js';
import type { StoredRow } from '../../src/ledger/pure/verify-chain.js';
import { verifyChain } from '../../src/ledger/pure/verify-chain.js';
import type { ReadModels } from '../../src/ledger/read-models.js';
import type { SealDefaults } from '../../src/ledger/seal-context.js';
import { encodeCapture } from '../../src/projections/projection-columns.js';
import { captureRowOf } from '../../src/projections/projection-rows.js';
import { queryReadModels } from '../../src/projections/read-model-queries.js';
import { projectRows, READ_MODELS } from '../../src/projections/read-models.js';
import { nodeTreeHasher } from '../../src/tlog/node-tree-hasher.js';
import { appendLeafHashes, EMPTY_FRONTIER } from '../../src/tlog/tile-builder.js';
import { started } from '../support/ledger-events.js';
import { ledgerPath } from '../support/ledger-file.js';
import { usePostgresDatabases } from '../support/postgres.js';
import { useTempDirs } from '../support/temp-dirs.js';

/**
 * One contract, every backend behind the async door: memory, an SQLite file and a PostgreSQL
 * database must answer every case alike (the sync LedgerStore contract is ledger-store-contract).
 */
type OpenDoor = (defaults: SealDefaults & { readModels: ReadModels }) => Promise<LedgerDoor>;

const ACTOR = { tool: 'kfm', tool_version: 'test' };
const FROZEN_MS = Date.parse('2026-02-16T00:00:00.000Z');

function draft(type: string, dataset_id: string, run_id: string, payload: Record<string, unknown> = {}) {
  return { type, dataset_id, run_id, payload };
}

const H = (c: string) => c.repeat(64);
const capture = (n: number) => ({
  capture_id: `c${n}`,
  path: `raw/${n}.csv`,
  sha256: H(String(n)),
  bytes: 100 + n,
  source_uri: `https://example.org/${n}.csv`,
});
const REGISTRY = { dataset_id: 'ks_a', license: 'CC0-1.0', sensitivity: 'public', policy_labels: ['open'] };
/** Two runs of ks_a (one publishes v…01, the next reuses it) and a failed run of ks_b, with notes. */
const LINEAGE = [
  draft('run.started', 'ks_a', 'r1', started('ingest')),
  draft('raw.captured', 'ks_a', 'r1', capture(1)),
  draft('x.site.note', 'ks_a', 'r1', { n: 1 }),
  draft('raw.captured', 'ks_a', 'r1', capture(2)),
  draft('run.started', 'ks_b', 'r2', started('validate')),
  draft('validation.reported', 'ks_a', 'r1', { passed: true, checks: [{ name: 'schema', passed: true }] }),
  draft('version.published', 'ks_a', 'r1', {
    version_id: 'v0000000000000001',
    content_hash: H('c'),
    artifacts: [{ path: 'a.csv', sha256: H('d'), bytes: 3 }],
    supersedes: null,
    registry: REGISTRY,
  }),
  draft('run.completed', 'ks_a', 'r1', { status: 'succeeded' }),
  draft('run.completed', 'ks_b', 'r2', {
    status: 'failed',
    error: { code: 'VALIDATION_FAILED', message: 'x' },
  }),
  draft('run.started', 'ks_a', 'r3', started('promote')),
  draft('version.reused', 'ks_a', 'r3', {
    version_id: 'v0000000000000001',
    content_hash: H('c'),
    registry: REGISTRY,
  }),
  draft('run.completed', 'ks_a', 'r3', { status: 'succeeded' }),
];

/**
 * READ_MODELS that, while `drift` is on, also store every capture with 0 bytes: a door keeps what
 * its read models write, so its stored rows then differ from a replay's.
 */
function driftingReadModels(): { models: ReadModels; drift: { on: boolean } } {
  const drift = { on: false };
  const models: ReadModels = {
    ...READ_MODELS,
    project(rows, events) {
      READ_MODELS.project(rows, events);
      if (!drift.on) return;
      for (const event of events.filter((e) => e.type === 'raw.captured'))
        rows.put('proj_captures', { ...encodeCapture(captureRowOf(event)), bytes: 0 });
    },
  };
  return { models, drift };
}

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

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

async function refusal(work: Promise<unknown>): Promise<KfmError> {
  const error = await work.then(
    () => expect.fail('expected a refusal'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KfmError);
  return error as KfmError;
}

/** The tiles of the tree over these rows' bodies, as the pure builder makes them in one batch. */
function builderTiles(rows: readonly StoredRow[]) {
  const leaves = rows.map((r) => nodeTreeHasher.leaf(r.body));
  return appendLeafHashes(EMPTY_FRONTIER, leaves, nodeTreeHasher).tiles;
}

/** The door's tiles at the positions and widths of `expected`, beside them for one toEqual. */
async function storedTiles(door: LedgerDoor, expected: ReturnType<typeof builderTiles>) {
  const read = await door.readTiles(expected);
  return expected.map((tile, i) => ({ ...tile, hashes: Buffer.from(read[i]!) }));
}

const asBuffers = (tiles: ReturnType<typeof builderTiles>) =>
  tiles.map((tile) => ({ ...tile, hashes: Buffer.from(tile.hashes) }));

async function* rowsOf(rows: readonly StoredRow[]): AsyncGenerator<StoredRow> {
  yield* rows;
}

function describeDoorContract(name: string, openDoor: OpenDoor): void {
  describe(`${name} (LedgerDoor contract)`, () => {
    const opened: LedgerDoor[] = [];
    afterEach(async () => {
      for (const door of opened.splice(0)) await door.close();
    });
    async function open(
      defaults: Partial<SealDefaults & { readModels: ReadModels }> = {},
    ): Promise<LedgerDoor> {
      const door = await openDoor({
        actor: ACTOR,
        hasher: nodeEventHasher,
        readModels: READ_MODELS,
        ...defaults,
      });
      opened.push(door);
      return door;
    }
    const seqsOf = async (door: LedgerDoor, filter?: ReadFilter) =>
      (await collect(door.read(filter))).map((r) => r.seq);

    it('starts at the genesis head with no events and no datasets', async () => {
      const door = await open();
      expect(await door.head()).toEqual({ seq: 0, hash: GENESIS_HASH });
      expect(await seqsOf(door)).toEqual([]);
      expect(await door.datasetIds()).toEqual([]);
    });

    it('appends batches that extend the chain and stores each event as sealed', async () => {
      const door = await open();
      const first = await door.append(MIXED.slice(0, 3));
      expect(first).toMatchObject({
        first_seq: 1,
        last_seq: 3,
        head: { seq: 3, hash: first.events[2]!.hash },
      });
      const second = await door.append(MIXED.slice(3));
      expect(second.first_seq).toBe(4);
      expect(second.events[0]!.envelope.prev_hash).toBe(first.head.hash);
      expect(await door.head()).toEqual(second.head);
      const rows = await collect(door.read());
      [...first.events, ...second.events].forEach(({ envelope, body, hash }, i) => {
        expect(rows[i]).toMatchObject({ seq: envelope.seq, event_id: envelope.event_id, hash });
        expect(Buffer.from(rows[i]!.body).equals(Buffer.from(body))).toBe(true);
      });
      expect(verifyChain(rows, { hasher: nodeEventHasher })).toMatchObject({ ok: true, head: second.head });
    });

    it('appends nothing for an empty batch', async () => {
      const door = await open();
      const { head } = await door.append(MIXED.slice(0, 2));
      expect((await door.append([])).head).toEqual(head);
      expect(await door.head()).toEqual(head);
    });

    it('refuses a batch with one invalid draft and stores none of it', async () => {
      const door = await open();
      const { head } = await door.append(MIXED.slice(0, 2));
      const error = await refusal(door.append([MIXED[2]!, { ...MIXED[3]!, type: 'raw.deleted' }]));
      expect(error.code).toBe('INVALID_EVENT');
      expect(await door.head()).toEqual(head);
      expect((await door.append([MIXED[2]!])).first_seq).toBe(3);
    });

    it.each<[string, ReadFilter, number[]]>([
      ['nothing', {}, [1, 2, 3, 4, 5, 6, 7, 8]],
      ['dataset_id', { dataset_id: 'ks_b' }, [3, 5, 6]],
      ['run_id', { run_id: 'r3' }, [4, 7, 8]],
      ['type', { type: 'run.completed' }, [2, 6, 8]],
      ['from_seq and to_seq (inclusive)', { from_seq: 3, to_seq: 5 }, [3, 4, 5]],
      ['limit', { limit: 3 }, [1, 2, 3]],
      ['limit 0', { limit: 0 }, []],
      ['dataset_id, from_seq and limit', { dataset_id: 'ks_a', from_seq: 2, limit: 2 }, [2, 4]],
    ])('streams reads filtered by %s in seq order', async (_what, filter, seqs) => {
      const door = await open();
      await door.append(MIXED);
      expect(await seqsOf(door, filter)).toEqual(seqs);
    });

    it('streams past one page, in order, every event once', async () => {
      const door = await open();
      const many = Array.from({ length: 2500 }, (_, n) => draft('x.site.note', 'ks_many', 'r1', { n }));
      await door.append(many);
      const seqs = await seqsOf(door);
      expect(seqs).toHaveLength(2500);
      expect(seqs.every((seq, i) => seq === i + 1)).toBe(true);
      expect(await seqsOf(door, { from_seq: 999, limit: 1003 })).toHaveLength(1003);
    });

    it('decodes rows to the events they hash and lists the datasets', async () => {
      const door = await open();
      await door.append(MIXED);
      const events = await collect(door.readDecoded({ run_id: 'r2' }));
      expect(events.map((e) => [e.seq, e.type, e.payload])).toEqual([
        [3, 'x.site.note', { n: 3 }],
        [5, 'x.site.note', { n: 5 }],
        [6, 'run.completed', { status: 'failed' }],
      ]);
      expect(await door.datasetIds()).toEqual(['ks_a', 'ks_b']);
    });

    it('verifies the whole chain and a seq range of it, with anchors', async () => {
      const door = await open();
      const { events } = await door.append(MIXED);
      const at4 = { seq: 4, hash: events[3]!.hash };
      expect(await door.verifyChain()).toMatchObject({ ok: true, events: 8 });
      expect(await door.verifyChain({ from_seq: 3, to_seq: 6, anchors: [at4] })).toMatchObject({
        ok: true,
        events: 4,
        head: { seq: 6, hash: events[5]!.hash },
      });
      const forged = await door.verifyChain({ from_seq: 3, anchors: [{ seq: 4, hash: 'f'.repeat(64) }] });
      expect(forged.failures.map((f) => f.code)).toEqual(['ANCHOR_MISMATCH']);
    });

    it('gives monotonic ULIDs across batches when the clock stands still or steps back', async () => {
      const frozen = await open({ now: () => FROZEN_MS });
      const ids: string[] = [];
      for (let batch = 0; batch < 3; batch++) {
        ids.push(...(await frozen.append(MIXED)).events.map((e) => e.envelope.event_id));
      }
      let t = FROZEN_MS;
      const backwards = await open({ now: () => (t -= 1000) });
      ids.push(...(await backwards.append(MIXED)).events.map((e) => e.envelope.event_id));
      expect(ids.every((id) => /^[0-9A-HJKMNP-TV-Z]{26}$/.test(id))).toBe(true);
      expect(ids.slice(0, 24).every((id, i) => i === 0 || id > ids[i - 1]!)).toBe(true);
      expect(ids.slice(24).every((id, i) => i === 0 || id > ids[24 + i - 1]!)).toBe(true);
      expect((await collect(frozen.read())).map((r) => r.event_id)).toEqual(ids.slice(0, 24));
    });

    it('copies rows sealed elsewhere into an empty ledger, and refuses a non-empty one', async () => {
      const source = await open();
      await source.append(MIXED);
      const rows = await collect(source.read());
      const copy = await open();
      expect(await copy.copyIn(rowsOf(rows))).toEqual(await source.head());
      expect(await collect(copy.read())).toEqual(rows);
      expect((await refusal(copy.copyIn(rowsOf(rows)))).code).toBe('LEDGER_NOT_EMPTY');
    });

    it("keeps the tree in each append: its tiles are the pure builder's over the same bodies", async () => {
      const door = await open();
      expect(await door.treeSize()).toBe(0);
      // Batches of 1, 255, 1, 300, …: full tiles completed inside a batch and partials rewritten across.
      for (const size of [1, 255, 1, 300, 7, 256]) {
        await door.append(Array.from({ length: size }, (_, n) => draft('x.site.note', 'ks_t', 'r1', { n })));
      }
      const rows = await collect(door.read());
      expect(await door.treeSize()).toBe(820);
      const expected = builderTiles(rows);
      // 3 full level-0 tiles, the level-0 partial of width 52 and the level-1 partial of width 3.
      expect(expected.map((t) => `${t.level}/${t.index}/${t.width}`)).toEqual([
        '0/0/256',
        '0/1/256',
        '0/2/256',
        '0/3/52',
        '1/0/3',
      ]);
      expect(await storedTiles(door, expected)).toEqual(asBuffers(expected));
      // An older tree's partial tile is the prefix of today's.
      const [older] = await door.readTiles([{ level: 0, index: 3, width: 10 }]);
      expect(Buffer.from(older!)).toEqual(Buffer.from(expected[3]!.hashes.subarray(0, 320)));
      const missing = await refusal(door.readTiles([{ level: 0, index: 4, width: 1 }]));
      expect(missing.code).toBe('STORAGE_CORRUPT');
    });

    it('fills the tree of a copy, and keeps a stable ledger id and the signed checkpoints', async () => {
      const source = await open();
      await source.append(Array.from({ length: 300 }, (_, n) => draft('x.site.note', 'ks_c', 'r1', { n })));
      const rows = await collect(source.read());
      const copy = await open();
      await copy.copyIn(rowsOf(rows));
      expect(await copy.treeSize()).toBe(300);
      const expected = builderTiles(rows);
      expect(await storedTiles(copy, expected)).toEqual(asBuffers(expected));
      const id = await copy.ledgerId();
      expect(id).toMatch(/^[0-9a-f]{32}$/);
      expect(await copy.ledgerId()).toBe(id);
      expect(await source.ledgerId()).not.toBe(id);
      expect(await copy.lastCheckpoint()).toBeUndefined();
      const stored = (size: number) => ({
        origin: 'kfm.local/test',
        tree_size: size,
        root_hash: `${'A'.repeat(43)}=`,
        note: `kfm.local/test\n${size}\n${'A'.repeat(43)}=\n\n— kfm.local/test sig\n`,
        signed_at: '2026-02-16T00:00:00.000Z',
      });
      await copy.storeCheckpoint(stored(200));
      await copy.storeCheckpoint(stored(300));
      expect(await copy.lastCheckpoint()).toEqual(stored(300));
    });

    it("keeps its read models in each append: the stored rows are the reducers' over the events", async () => {
      const door = await open();
      let at = 0;
      for (const size of [1, 4, 2, 5]) {
        await door.append(LINEAGE.slice(at, at + size));
        at += size;
      }
      const events = await collect(door.readDecoded());
      const expected = projectRows(events);
      expect([...expected.proj_runs.keys()].sort()).toEqual(['ks_a/r1', 'ks_a/r3', 'ks_b/r2']);
      expect(await door.projectionRows()).toEqual(expected);
      expect(await door.projectionRows('ks_b')).toEqual(
        projectRows(events.filter((e) => e.dataset_id === 'ks_b')),
      );
      expect(await door.projectionDatasetIds()).toEqual(['ks_a', 'ks_b']);
    });

    it('answers the read-model queries from its tables', async () => {
      let t = FROZEN_MS;
      const door = await open({ now: () => (t += 1000) });
      const { events } = await door.append(LINEAGE);
      const q = await queryReadModels(door);
      expect(
        (await q.runs({ dataset_id: 'ks_a' })).map((r) => [r.run_id, r.status, r.version_id, r.reused]),
      ).toEqual([
        ['r1', 'succeeded', 'v0000000000000001', false],
        ['r3', 'succeeded', 'v0000000000000001', true],
      ]);
      expect((await q.runs({ status: 'failed' })).map((r) => r.run_id)).toEqual(['r2']);
      expect((await q.runs()).map((r) => r.run_id)).toEqual(['r1', 'r2', 'r3']);
      expect(await q.datasetKnown('ks_b')).toBe(true);
      expect(await q.datasetKnown('ks_b', 4)).toBe(false);
      expect(await q.datasetKnown('ks_c')).toBe(false);
      expect((await q.versions('ks_a')).map((v) => [v.version_id, v.seq, v.run_id])).toEqual([
        ['v0000000000000001', 7, 'r1'],
      ]);
      expect((await q.versionsById('v0000000000000001')).map((v) => v.dataset_id)).toEqual(['ks_a']);
      expect((await q.runsOfVersion('ks_a', 'v0000000000000001')).map((r) => r.run_id)).toEqual(['r1', 'r3']);
      expect((await q.capturesBySha256(H('2'))).map((c) => [c.seq, c.path, c.bytes])).toEqual([
        [4, 'raw/2.csv', 102],
      ]);
      expect(await q.seqOfEventId(events[5]!.envelope.event_id)).toBe(6);
      expect(await q.seqOfEventId('01ARZ3NDEKTSV4RRFFQ69G5FAV')).toBeNull();
      // Seq 9 (ks_b) is the event after seq 7 in time; ks_a's next is seq 8.
      expect(await q.firstDatasetSeqAfter('ks_a', events[6]!.envelope.recorded_at)).toBe(8);
      expect(await q.firstDatasetSeqAfter('ks_b', events[6]!.envelope.recorded_at)).toBe(9);
      expect(await q.firstDatasetSeqAfter('ks_a', '2999-01-01T00:00:00.000Z')).toBeNull();
    });

    it('stores what its read models write, so a replay finds the difference, and rebuilds from the events', async () => {
      const { models, drift } = driftingReadModels();
      const door = await open({ readModels: models });
      drift.on = true;
      await door.append(LINEAGE);
      const expected = projectRows(await collect(door.readDecoded()));
      const stored = await door.projectionRows();
      expect([...stored.proj_captures.values()].map((c) => c.bytes)).toEqual([0, 0]);
      expect(stored.proj_runs).toEqual(expected.proj_runs);
      drift.on = false;
      await door.rebuildProjections();
      expect(await door.projectionRows()).toEqual(expected);
    });

    it('fills the read models of a copy', async () => {
      const source = await open();
      await source.append(LINEAGE);
      const copy = await open();
      await copy.copyIn(rowsOf(await collect(source.read())));
      expect(await copy.projectionRows()).toEqual(projectRows(await collect(source.readDecoded())));
    });

    it('stores none of a copy whose rows do not extend the chain', async () => {
      const source = await open();
      await source.append(MIXED);
      const rows = await collect(source.read());
      const copy = await open();
      await expect(copy.copyIn(rowsOf([rows[0]!, rows[2]!]))).rejects.toThrow();
      expect(await copy.head()).toEqual({ seq: 0, hash: GENESIS_HASH });
    });
  });
}

// Each backend is given the read models as a parameter, as src/compose/open-kfm-ledger.ts gives them.
describeDoorContract('MemoryDoor', async (defaults) => new MemoryDoor(defaults));

const tempDir = useTempDirs('door');
describeDoorContract('SQLite door', (defaults) =>
  openLedger(`sqlite:${ledgerPath(tempDir())}`, { ...defaults, create: true }),
);

const database = usePostgresDatabases();
describeDoorContract('PostgreSQL door', async (defaults) => openLedger(await database(), defaults));
