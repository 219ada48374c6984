import { parentPort, workerData } from 'node:worker_threads';
import { openKfmLedger } from '../src/compose/open-kfm-ledger.js';
import { BENCH_ACTOR } from './bench-events.js';

// One range of bench/postgres-verify.ts's worker-thread variant: its own door, so its own
// connection and its own vocabulary, verifying from_seq..to_seq through the door's cursor.
const { url, from_seq, to_seq } = workerData as { url: string; from_seq?: number; to_seq: number };
const door = await openKfmLedger(url, { actor: BENCH_ACTOR, readOnly: true });
try {
  parentPort?.postMessage(await door.verifyChain(from_seq === undefined ? { to_seq } : { from_seq, to_seq }));
} finally {
  await door.close();
}
