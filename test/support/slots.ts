import { availableParallelism } from 'node:os';

/**
 * At most `size` tasks at a time, for tests that spawn the CLI case after case: each case is a chain
 * of child processes, so running one per core keeps every core busy without piling a whole file's
 * processes onto a shared machine. A task that fails still frees its slot.
 */
export function slots(size = availableParallelism()): <T>(task: () => Promise<T>) => Promise<T> {
  let free = Math.max(1, size);
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (free > 0) free--;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next === undefined) free++;
      else next();
    }
  };
}
