import { monotonicFactory } from 'ulid';
import type { Actor } from '../../src/events/index.js';
import { nodeEventHasher } from '../../src/ledger/node-hasher.js';
import { sealEvents } from '../../src/ledger/pure/seal-events.js';
import { INSERT_EVENT, storedRowValues } from '../../src/ledger/sqlite/sqlite-ledger.js';
import type { Draft } from './drafts.js';
import { type EventRow, ledgerPath, withLedgerFile } from './ledger-file.js';

const ulid = monotonicFactory();

/**
 * What an attacker holding the SQLite file does to slip events past the chain check: read the head,
 * seal drafts onto it with kfm's own sealing code (valid schema, canonical bytes, correct hashes,
 * the actor of the events around them) and INSERT the rows directly — no `kfm append`, no stage.
 * The append-only triggers allow it, since the rows extend the chain. Returns the forged seqs.
 */
export function forgeEvents(root: string, drafts: readonly Draft[]): number[] {
  return withLedgerFile(ledgerPath(root), (db) => {
    const last = db.prepare('SELECT * FROM events ORDER BY seq DESC LIMIT 1').get() as EventRow;
    const actor = (JSON.parse(last.body.toString('utf8')) as { actor: Actor }).actor;
    const sealed = sealEvents(drafts, {
      head: { seq: last.seq, hash: last.hash },
      actor,
      hasher: nodeEventHasher,
      now: Date.now,
      newEventId: (ms) => ulid(ms),
    });
    const insert = db.prepare(INSERT_EVENT);
    db.transaction(() => {
      for (const event of sealed) insert.run(...storedRowValues(event));
    })();
    return sealed.map((e) => e.envelope.seq);
  });
}
