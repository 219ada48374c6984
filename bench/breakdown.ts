import { hash } from 'node:crypto';
import { monotonicFactory } from 'ulid';
import { checkDraft, checkEnvelope, GENESIS_HASH, type SealedEvent } from '../src/events/index.js';
import { rowFromSealed } from '../src/ledger/ledger-store.js';
import { nodeEventHasher } from '../src/ledger/node-hasher.js';
import { canonicalJson } from '../src/ledger/pure/canonical-json.js';
import { nobleEventHasher, utf8 } from '../src/ledger/pure/event-hash.js';
import { sealEvents } from '../src/ledger/pure/seal-events.js';
import { verifyChain } from '../src/ledger/pure/verify-chain.js';
import { sealContextFactory } from '../src/ledger/seal-context.js';
import { openKfmSqliteLedger } from '../test/support/kfm-ledgers.js';
import { BENCH_ACTOR, DraftGenerator } from './bench-events.js';

/**
 * Where the time of one append and one verify goes: each step of the hot paths timed alone over the
 * same `count` events (best of three passes), in memory (no SQLite) unless the step is the SQLite
 * read itself. Also the
 * node:crypto vs @noble/hashes comparison on the very same bodies.
 */

export interface Step {
  step: string;
  us_per_event: number;
  cpu_us_per_event: number;
  events_per_s: number;
}

export interface BreakdownResult {
  events: number;
  append: Step[];
  verify: Step[];
  hashers: Step[];
  hashers_agree: boolean;
}

/** Calls `step` on every item, ignoring what it returns (only its time counts). */
function each<T>(items: readonly T[], step: (item: T) => unknown): void {
  for (const item of items) step(item);
}

/** Best of three passes (wall and CPU time each): on a shared machine the least disturbed pass. */
function timeStep(step: string, count: number, run: () => void): Step {
  let ms = Number.POSITIVE_INFINITY;
  let cpuUs = Number.POSITIVE_INFINITY;
  for (let pass = 0; pass < 3; pass++) {
    globalThis.gc?.();
    const cpu = process.cpuUsage();
    const start = performance.now();
    run();
    ms = Math.min(ms, performance.now() - start);
    const used = process.cpuUsage(cpu);
    cpuUs = Math.min(cpuUs, used.user + used.system);
  }
  return {
    step,
    us_per_event: (ms * 1000) / count,
    cpu_us_per_event: cpuUs / count,
    events_per_s: (count * 1000) / ms,
  };
}

function sealAll(drafts: readonly unknown[], batch: number): SealedEvent[] {
  const context = sealContextFactory({ actor: BENCH_ACTOR });
  let head = { seq: 0, hash: GENESIS_HASH };
  const sealed: SealedEvent[] = [];
  for (let i = 0; i < drafts.length; i += batch) {
    const events = sealEvents(drafts.slice(i, i + batch), context(head));
    const last = events.at(-1)!;
    head = { seq: last.envelope.seq, hash: last.hash };
    for (const event of events) sealed.push(event);
  }
  return sealed;
}

export async function runBreakdown(
  count: number,
  batch: number,
  ledgerPath: string,
): Promise<BreakdownResult> {
  const drafts = new DraftGenerator().next(count);
  // Warm every path once on a slice, so the timed passes measure optimised code.
  const warm = sealAll(drafts.slice(0, Math.min(count, 20_000)), batch);
  verifyChain(warm.map(rowFromSealed), { hasher: nodeEventHasher });
  for (const e of warm) nobleEventHasher(e.body);

  const append: Step[] = [];
  append.push(timeStep('validate draft (checkDraft: zod)', count, () => each(drafts, checkDraft)));
  let sealed: SealedEvent[] = [];
  append.push(
    timeStep('seal in memory (validate + canonicalise + hash)', count, () => {
      sealed = sealAll(drafts, batch);
    }),
  );
  const envelopes = sealed.map((e) => e.envelope);
  // Results are dropped at once, as sealEvents does: kept, 100k unflattened concatenated strings
  // would make this step measure the garbage collector instead.
  append.push(
    timeStep('canonicalJson(envelope)', count, () => each(envelopes, (e) => canonicalJson(e, 'event'))),
  );
  const texts = envelopes.map((e) => canonicalJson(e, 'event'));
  each(texts, utf8); // flattens them, so the next step times the encoding alone
  append.push(timeStep('utf8 encode', count, () => each(texts, utf8)));
  const bodies = sealed.map((e) => e.body);
  append.push(timeStep('event hash (nodeEventHasher)', count, () => each(bodies, nodeEventHasher)));
  // seal-context.ts makes event ids with ulid's monotonicFactory(): within one millisecond it
  // increments, at each new millisecond it draws 16 characters, one getRandomValues call each.
  const ulidSame = monotonicFactory();
  const ulidNew = monotonicFactory();
  const t0 = Date.now();
  let tick = t0;
  const fresh = Math.min(count, 5000);
  append.push(timeStep('event id (ulid), same millisecond', count, () => each(drafts, () => ulidSame(t0))));
  append.push(
    timeStep(`event id (ulid), each at a new millisecond (${fresh} ids)`, fresh, () => {
      for (let i = 0; i < fresh; i++) ulidNew(++tick);
    }),
  );

  const hashers: Step[] = [];
  let nodeHashes: string[] = [];
  let nobleHashes: string[] = [];
  hashers.push(
    timeStep('nodeEventHasher (node:crypto)', count, () => {
      nodeHashes = bodies.map(nodeEventHasher);
    }),
  );
  hashers.push(
    timeStep('nobleEventHasher (@noble/hashes)', count, () => {
      nobleHashes = bodies.map(nobleEventHasher);
    }),
  );
  hashers.push(
    timeStep('plain crypto.hash(sha256, body)', count, () => each(bodies, (b) => hash('sha256', b, 'hex'))),
  );
  const hashersAgree = nodeHashes.every((h, i) => h === nobleHashes[i] && h === sealed[i]!.hash);

  const verify: Step[] = [];
  const ledger = await openKfmSqliteLedger(ledgerPath, { actor: BENCH_ACTOR });
  verify.push(
    timeStep('SQLite read (readEvents, first N rows)', count, () => {
      for (const _row of ledger.readEvents({ to_seq: count }));
    }),
  );
  ledger.close();
  const rows = sealed.map(rowFromSealed);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let parsed: unknown[] = [];
  verify.push(
    timeStep('decode + JSON.parse body', count, () => {
      parsed = rows.map((r) => JSON.parse(decoder.decode(r.body)));
    }),
  );
  verify.push(timeStep('checkEnvelope (zod)', count, () => each(parsed, checkEnvelope)));
  verify.push(timeStep('event hash (nodeEventHasher)', count, () => each(bodies, nodeEventHasher)));
  verify.push(
    timeStep('ChainVerifier over memory rows (no SQLite)', count, () => {
      const report = verifyChain(rows, { hasher: nodeEventHasher });
      if (!report.ok) throw new Error(`breakdown verify failed: ${JSON.stringify(report.failures[0])}`);
    }),
  );
  return { events: count, append, verify, hashers, hashers_agree: hashersAgree };
}
