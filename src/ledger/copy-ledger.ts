import { KfmError } from '../errors.js';
import { GENESIS_HASH } from '../events/index.js';
import { type LedgerDoor, ledgerNotEmpty } from './ledger-door.js';
import { nodeEventHasher } from './node-hasher.js';
import type { ChainHead } from './pure/seal-events.js';
import { type StoredRow, verifyChain } from './pure/verify-chain.js';

export interface CopyReport {
  from: string;
  to: string;
  events: number;
  /** The source's head when the copy began, which is the target's head after it. */
  head: ChainHead;
}

/**
 * Copies every event of `source` up to its current head into the empty `target`, streaming: each
 * row is verified as it arrives (its body hashes to its hash, it links to the row before, its
 * columns match its body) and the first that fails aborts the copy, whose single transaction then
 * leaves the target as it was. Rows are copied byte for byte, so the hashes are the source's.
 */
export async function copyLedger(source: LedgerDoor, target: LedgerDoor): Promise<CopyReport> {
  const head = await source.head();
  const before = await target.head();
  if (before.seq !== 0) throw ledgerNotEmpty(target.target, before);
  let events = 0;
  async function* verified(): AsyncGenerator<StoredRow> {
    let previous: ChainHead = { seq: 0, hash: GENESIS_HASH };
    for await (const row of source.read({ to_seq: head.seq })) {
      const report = verifyChain([row], {
        hasher: nodeEventHasher,
        segment: { after: previous, reachesEnd: false },
      });
      const failure = report.failures[0];
      if (failure !== undefined) {
        throw new KfmError(
          'COPY_VERIFY_FAILED',
          `seq ${failure.seq} of ${source.target} failed verification (${failure.code}: ${failure.message}); nothing was copied: run \`kfm verify\` on the source`,
          { details: { ledger: source.target, seq: failure.seq, failure: failure.code } },
        );
      }
      previous = { seq: row.seq, hash: row.hash };
      events++;
      yield row;
    }
  }
  const after = await target.copyIn(verified());
  if (after.seq !== head.seq || after.hash !== head.hash) {
    throw new KfmError(
      'COPY_VERIFY_FAILED',
      `the copy in ${target.target} ends at ${after.seq}:${after.hash}, not at the source's head ${head.seq}:${head.hash}`,
      { details: { ledger: target.target, head: after, expected: head } },
    );
  }
  return { from: source.target, to: target.target, events, head };
}
