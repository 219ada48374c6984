import { MemoryLedger } from '../../src/ledger/memory-ledger.js';
import { nobleEventHasher } from '../../src/ledger/pure/event-hash.js';
import { decodeEvent, type LedgerEvent } from '../../src/projections/ledger-event.js';

export const H = (c: string) => c.repeat(64);

/** Seals drafts `[run_id, type, payload]` of one dataset in a fresh in-memory ledger, 1 s apart. */
export function ledgerEvents(
  datasetId: string,
  drafts: [string, string, Record<string, unknown>][],
): LedgerEvent[] {
  let t = Date.parse('2026-11-01T00:00:00Z');
  const ledger = new MemoryLedger({
    actor: { tool: 'kfm', tool_version: 'test', connector: datasetId },
    hasher: nobleEventHasher,
    now: () => (t += 1000),
  });
  ledger.appendEvents(
    drafts.map(([run_id, type, payload]) => ({ type, dataset_id: datasetId, run_id, payload })),
  );
  return [...ledger.readEvents()].map(decodeEvent);
}

export const started = (stage: string): Record<string, unknown> => ({
  stage,
  spec: {},
  spec_hash: H('a'),
  args: {},
  dry_run: false,
});
