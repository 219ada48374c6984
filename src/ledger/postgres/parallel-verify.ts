import type pg from 'pg';
import { GENESIS_HASH } from '../../events/index.js';
import type { VerifyRange } from '../ledger-door.js';
import { EVENT_COLUMNS } from '../ledger-store.js';
import { nodeEventHasher } from '../node-hasher.js';
import type { ChainHead } from '../pure/seal-events.js';
import {
  type ChainReport,
  ChainVerifier,
  mergeChainReports,
  type StoredRow,
  segmentRanges,
} from '../pure/verify-chain.js';

/**
 * Chain verification of a PostgreSQL ledger, split by seq into ranges each streamed through a
 * server-side cursor on its own pooled connection and hashed on this thread: while one range's
 * rows are hashed, the server reads and sends the others'. Measured on this 2-core machine
 * (BENCHMARKS.md, "Parallel verify on PostgreSQL", bench/postgres-verify.ts; runs at load 7–13):
 * four ranges verified 1.1–3.1× the previous paged single stream, within the noise of two; worker
 * threads, each with its own connection, were slower than as many ranges on this thread in every
 * run (each thread loads the vocabulary, and they compete with the server for the two cores), so
 * there are none.
 *
 * Every range reads in its own REPEATABLE READ snapshot, but rows up to the head read first never
 * change (the append-only triggers; checkStorage reports them off), so the ranges see the ledger one
 * pass would, and mergeChainReports joins their reports into exactly that pass's report.
 */

/** Ranges from this many events on: below it one cursor finishes before a second would pay off. */
const AUTO_RANGES_FROM_EVENTS = 10_000;
/** As many as the door's pool has connections (postgres-ledger.ts), so none waits for another. */
const AUTO_RANGES = 4;
/** Rows a FETCH brings: one round trip per page, one page of bodies in memory per range. */
const PAGE = 1000;

const ROWS = `SELECT ${EVENT_COLUMNS.join(', ')} FROM events WHERE seq >= $1 AND seq <= $2 ORDER BY seq`;
const HEAD_BEFORE = 'SELECT seq, hash FROM events WHERE seq < $1 ORDER BY seq DESC LIMIT 1';

interface RangeTask {
  range: { from?: number; to: number };
  reachesEnd: boolean;
  anchors: readonly ChainHead[];
  maxFailures: number | undefined;
}

export function rangesFor(events: number, threads: number | 'auto'): number {
  if (threads !== 'auto') return threads;
  return events < AUTO_RANGES_FROM_EVENTS ? 1 : AUTO_RANGES;
}

/** `range` of a ledger whose head is `head`: the whole chain in ranges, or the one range asked for. */
export async function verifyPostgresChain(
  connect: () => Promise<pg.PoolClient>,
  head: ChainHead,
  range: VerifyRange,
): Promise<ChainReport> {
  const anchors = range.anchors ?? [];
  const { maxFailures } = range;
  const whole = range.from_seq === undefined && range.to_seq === undefined;
  const to = range.to_seq ?? head.seq;
  const tasks: RangeTask[] = whole
    ? segmentRanges(head.seq, rangesFor(head.seq, range.threads ?? 'auto')).map((r, i, all) => ({
        range: r,
        reachesEnd: i === all.length - 1,
        anchors,
        maxFailures,
      }))
    : [
        {
          range: range.from_seq === undefined ? { to } : { from: range.from_seq, to },
          reachesEnd: to >= head.seq,
          anchors,
          maxFailures,
        },
      ];
  const reports = await Promise.all(tasks.map(async (task) => verifyRange(await connect(), task)));
  return mergeChainReports(reports, maxFailures);
}

async function verifyRange(client: pg.PoolClient, task: RangeTask): Promise<ChainReport> {
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    // Open below: a forged seq of 0 or less falls in the first range, as in one pass.
    const from = task.range.from ?? Number.MIN_SAFE_INTEGER;
    const before =
      task.range.from === undefined
        ? undefined
        : (await client.query<ChainHead>(HEAD_BEFORE, [from])).rows[0];
    const verifier = new ChainVerifier({
      hasher: nodeEventHasher,
      anchors: task.anchors,
      ...(task.maxFailures === undefined ? {} : { maxFailures: task.maxFailures }),
      segment: { after: before ?? { seq: 0, hash: GENESIS_HASH }, reachesEnd: task.reachesEnd },
    });
    await client.query(`DECLARE range_rows NO SCROLL CURSOR FOR ${ROWS}`, [from, task.range.to]);
    for (;;) {
      const page = await client.query<StoredRow>(`FETCH ${PAGE} FROM range_rows`);
      for (const row of page.rows) verifier.push(row);
      if (page.rows.length < PAGE) break;
    }
    await client.query('COMMIT');
    return verifier.finish();
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
