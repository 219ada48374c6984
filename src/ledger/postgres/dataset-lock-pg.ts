import { createHash } from 'node:crypto';
import type pg from 'pg';
import { failpoint } from '../../failpoints.js';
import {
  type DatasetLock,
  type DatasetLockRequest,
  type LockHolder,
  newLockHolder,
  waitForLock,
} from '../dataset-lock.js';

/**
 * The first key of every dataset lock ("kfmd" in ASCII); the second is 32 bits of the dataset id's
 * SHA-256. Two-key advisory locks never meet the one-key head lock (HEAD_LOCK_KEY); two datasets
 * whose ids share those 32 bits would only run their stages one after the other, never wrongly.
 */
const DATASET_LOCK_SPACE = 0x6b_66_6d_64;

function datasetKey(datasetId: string): number {
  return createHash('sha256').update(datasetId).digest().readInt32BE(0);
}

/**
 * Dataset locks of a PostgreSQL ledger, shared by every host writing to it: each is a session
 * advisory lock on one connection kept for the locks, so a holder that dies (its connection ends)
 * frees it at once, with no pid to probe across hosts. Its `dataset_locks` row (migration 0006)
 * names the holder while it lives; a row still there when the next process takes the lock is the
 * mark of a holder that died, which makes that acquisition stale and the recovery thorough.
 */
export class PostgresLocks {
  readonly #connect: () => Promise<pg.PoolClient>;
  readonly #target: string;
  #session: Promise<pg.PoolClient> | null = null;

  constructor(connect: () => Promise<pg.PoolClient>, target: string) {
    this.#connect = connect;
    this.#target = target;
  }

  async acquire(request: DatasetLockRequest): Promise<DatasetLock> {
    const session = await this.#lockSession();
    const ds = request.datasetId;
    const key = [DATASET_LOCK_SPACE, datasetKey(ds)];
    const holderOf = async (): Promise<LockHolder | null> =>
      (
        await session.query<{ holder: LockHolder }>(
          'SELECT holder FROM dataset_locks WHERE dataset_id = $1',
          [ds],
        )
      ).rows[0]?.holder ?? null;
    await waitForLock(request, `the lock of ${ds} in ${this.#target}`, async () => {
      const { rows } = await session.query<{ got: boolean }>(
        'SELECT pg_try_advisory_lock($1, $2) AS got',
        key,
      );
      return rows[0]?.got === true ? true : holderOf();
    });
    const mine = newLockHolder(request, null);
    let left: LockHolder | null;
    try {
      left = await holderOf();
      await session.query(
        'INSERT INTO dataset_locks (dataset_id, holder) VALUES ($1, $2) ON CONFLICT (dataset_id) DO UPDATE SET holder = EXCLUDED.holder',
        [ds, JSON.stringify(mine)],
      );
    } catch (error) {
      await session.query('SELECT pg_advisory_unlock($1, $2)', key);
      throw error;
    }
    failpoint('lock/taken');
    return {
      holder: mine,
      stale: left !== null,
      takenOver: left,
      removed: [],
      release: async () => {
        await session.query("DELETE FROM dataset_locks WHERE dataset_id = $1 AND holder->>'token' = $2", [
          ds,
          mine.token,
        ]);
        await session.query('SELECT pg_advisory_unlock($1, $2)', key);
      },
    };
  }

  /** Ends the lock session, and with it any lock still held. */
  async close(): Promise<void> {
    const session = this.#session;
    this.#session = null;
    if (session !== null) (await session).release(true);
  }

  #lockSession(): Promise<pg.PoolClient> {
    this.#session ??= this.#connect();
    return this.#session;
  }
}
