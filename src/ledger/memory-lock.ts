import type { LockHolder } from './dataset-lock.js';
import { type DatasetLock, type DatasetLockRequest, newLockHolder, waitForLock } from './dataset-lock.js';

/** Dataset locks of a ledger in memory: one process, so a holder is never stale. */
export class MemoryLocks {
  readonly #held = new Map<string, LockHolder>();

  async acquire(request: DatasetLockRequest): Promise<DatasetLock> {
    const ds = request.datasetId;
    const mine = newLockHolder(request, null);
    await waitForLock(request, `the memory ledger's lock of ${ds}`, () => {
      const holder = this.#held.get(ds);
      if (holder !== undefined) return holder;
      this.#held.set(ds, mine);
      return true;
    });
    return {
      holder: mine,
      stale: false,
      takenOver: null,
      removed: [],
      release: async () => {
        if (this.#held.get(ds)?.token === mine.token) this.#held.delete(ds);
      },
    };
  }
}
