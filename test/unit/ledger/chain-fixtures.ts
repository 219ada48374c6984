import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { encodeTime } from 'ulid';
import type { Actor } from '../../../src/events/index.js';
import { MemoryLedger } from '../../../src/ledger/memory-ledger.js';
import { nodeEventHasher } from '../../../src/ledger/node-hasher.js';
import { utf8 } from '../../../src/ledger/pure/event-hash.js';
import type { StoredRow } from '../../../src/ledger/pure/verify-chain.js';

/** Shared by the ledger unit tests: deterministic ledgers in memory, forgeries, and arbitraries. */

export const ACTOR: Actor = { tool: 'kfm', tool_version: 'test' };
export const H = (c: string) => c.repeat(64);
export const START_MS = Date.parse('2026-02-16T00:00:00.000Z');

/** A clock that ticks `stepMs` on every read, so recorded_at is known in advance. */
export function steppingClock(startMs = START_MS, stepMs = 1000): () => number {
  let t = startMs - stepMs;
  return () => {
    t += stepMs;
    return t;
  };
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** Valid, strictly increasing ULIDs without randomness: time part from the clock, then a counter. */
export function countingUlids(): (timeMs: number) => string {
  let n = 0;
  return (timeMs) => {
    n++;
    let counter = '';
    for (let rest = n; counter.length < 16; rest = Math.floor(rest / 32))
      counter = CROCKFORD[rest % 32] + counter;
    return encodeTime(timeMs, 10) + counter;
  };
}

export function extensionDraft(n: number, patch: Record<string, unknown> = {}) {
  return {
    type: 'x.site.note',
    dataset_id: 'ks_demo',
    run_id: 'r1',
    payload: { n, note: `event ${n}` },
    ...patch,
  };
}

/** A small realistic run: started, one capture, completed. */
export function runDrafts(run_id = 'r1', dataset_id = 'ks_demo') {
  return [
    {
      type: 'run.started',
      dataset_id,
      run_id,
      payload: { stage: 'ingest', spec: { n: 1 }, spec_hash: H('a'), args: {}, dry_run: false },
    },
    {
      type: 'raw.captured',
      dataset_id,
      run_id,
      payload: {
        capture_id: run_id,
        path: `${run_id}/a.csv`,
        sha256: H('1'),
        bytes: 10,
        source_uri: 'file:///a',
      },
    },
    { type: 'run.completed', dataset_id, run_id, payload: { status: 'succeeded' } },
  ];
}

export function memoryLedger(now = steppingClock()): MemoryLedger {
  return new MemoryLedger({ actor: ACTOR, hasher: nodeEventHasher, now });
}

/** Copies, so a test can tamper with rows without reaching into the ledger that produced them. */
export function copyRows(rows: Iterable<StoredRow>): StoredRow[] {
  return [...rows].map((row) => ({ ...row, body: Uint8Array.from(row.body) }));
}

export function rowsOf(...batches: unknown[][]): StoredRow[] {
  const ledger = memoryLedger();
  for (const batch of batches) ledger.appendEvents(batch);
  return copyRows(ledger.readEvents());
}

export function envelopeOf(row: StoredRow): Record<string, unknown> {
  return JSON.parse(new TextDecoder().decode(row.body)) as Record<string, unknown>;
}

/**
 * A forger who knows the format: edits the envelope, re-canonicalises, re-hashes and rewrites the
 * indexed columns, so the row is self-consistent and only chain-level checks can catch it.
 */
export function reseal(row: StoredRow, edit: (envelope: Record<string, unknown>) => void): StoredRow {
  const envelope = envelopeOf(row);
  edit(envelope);
  const body = utf8(canonicalize(envelope) ?? '');
  return {
    seq: envelope.seq as number,
    event_id: envelope.event_id as string,
    type: envelope.type as string,
    dataset_id: envelope.dataset_id as string,
    run_id: envelope.run_id as string,
    recorded_at: envelope.recorded_at as string,
    prev_hash: envelope.prev_hash as string,
    body,
    hash: nodeEventHasher(body),
  };
}

/** The same row with a raw body (anything), hashed so that only the body's content is wrong. */
export function withBody(row: StoredRow, body: Uint8Array): StoredRow {
  return { ...row, body, hash: nodeEventHasher(body) };
}

// ---- arbitraries for property tests ----

const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);
const text = fc.string({ unit: 'binary', maxLength: 12 });
const relPath = fc.string({ unit: 'binary', minLength: 1, maxLength: 24 });
const reason = fc.record({ code: fc.stringMatching(/^[A-Z][A-Z0-9_]{0,12}$/), message: text });

/**
 * A JSON object as the vocabulary accepts it. zod cannot carry an own `__proto__` key at the top of a
 * record (the vocabulary refuses it), so that one key is left out here; deeper down anything goes.
 */
export const jsonObject = fc
  .dictionary(text, fc.jsonValue({ stringUnit: 'binary', maxDepth: 3 }), { maxKeys: 5 })
  .filter((o) => !Object.hasOwn(o, '__proto__'));

export const datasetId = fc.stringMatching(/^[a-z][a-z0-9_]{0,63}$/);
export const runId = fc.oneof(fc.ulid(), fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,40}$/));
export const extensionType = fc.stringMatching(/^x\.[a-z][a-z0-9_]{0,8}(\.[a-z][a-z0-9_]{0,8}){1,3}$/);

const knownPayloads: Array<fc.Arbitrary<{ type: string; payload: Record<string, unknown> }>> = [
  fc
    .record(
      {
        stage: fc.constantFrom('ingest', 'transform', 'validate', 'promote', 'backfill'),
        spec: jsonObject,
        spec_hash: hex64,
        args: jsonObject,
        dry_run: fc.boolean(),
        parent_run_id: runId,
      },
      { requiredKeys: ['stage', 'spec', 'spec_hash', 'args', 'dry_run'] },
    )
    .map((payload) => ({ type: 'run.started', payload })),
  fc
    .record(
      {
        capture_id: fc.string({ minLength: 1, maxLength: 12 }),
        path: relPath,
        sha256: hex64,
        bytes: fc.nat(),
        source_uri: text,
        etag: text,
        seen_before: fc.boolean(),
      },
      { requiredKeys: ['capture_id', 'path', 'sha256', 'bytes', 'source_uri'] },
    )
    .map((payload) => ({ type: 'raw.captured', payload })),
  fc
    .record({
      path: relPath,
      sha256: hex64,
      bytes: fc.nat(),
      derived_from: fc.array(relPath, { maxLength: 3 }),
    })
    .map((payload) => ({ type: 'work.artifact.written', payload })),
  fc
    .record({
      passed: fc.boolean(),
      checks: fc.array(
        fc.record(
          {
            name: fc.string({ minLength: 1, maxLength: 8 }),
            passed: fc.boolean(),
            message: text,
            details: jsonObject,
          },
          { requiredKeys: ['name', 'passed'] },
        ),
        { maxLength: 3 },
      ),
    })
    .map((payload) => ({ type: 'validation.reported', payload })),
  fc
    .record({ reasons: fc.array(reason, { minLength: 1, maxLength: 3 }) })
    .map((payload) => ({ type: 'promotion.denied', payload })),
  fc
    .record({ kind: fc.constantFrom('dcat', 'stac', 'prov'), path: relPath, sha256: hex64 })
    .map((payload) => ({ type: 'catalog.emitted', payload })),
  fc.record({ path: relPath, sha256: hex64 }).map((payload) => ({ type: 'raw.manifest.written', payload })),
  fc
    .record(
      { status: fc.constantFrom('succeeded', 'failed', 'denied'), error: reason },
      { requiredKeys: ['status'] },
    )
    .map((payload) => ({ type: 'run.completed', payload })),
];

const typedPayload = fc.oneof(fc.record({ type: extensionType, payload: jsonObject }), ...knownPayloads);

/** A valid draft of any kind: extension types with arbitrary JSON, known types with valid payloads. */
export const validDraft = fc
  .tuple(typedPayload, datasetId, runId)
  .map(([{ type, payload }, dataset_id, run_id]) => ({ type, dataset_id, run_id, payload }));

/** A ledger's worth of appends: a few batches of a few drafts. */
export const validBatches = fc.array(fc.array(validDraft, { minLength: 1, maxLength: 4 }), {
  minLength: 1,
  maxLength: 5,
});
