import { watch } from 'node:fs';

/**
 * Resolves with the first truthy answer of `check`, asked now and again on every change fs.watch
 * reports at `path` (a file, or a folder for the entries made in it): a test waits on the event
 * itself, never on a polling interval. Rejects if `ended` settles first: the process that was to
 * make the change is gone.
 */
export function watchUntil<T>(
  path: string,
  check: () => T | false | undefined,
  ended: Promise<unknown>,
  what: string,
): Promise<T> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const watcher = watch(path);
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      watcher.close();
      outcome();
    };
    const ask = () => {
      try {
        const answer = check();
        if (answer) settle(() => resolve(answer));
      } catch (error) {
        settle(() => reject(error));
      }
    };
    watcher.on('change', ask);
    watcher.on('error', (error) => settle(() => reject(error)));
    void ended.finally(() => settle(() => reject(new Error(`the process ended before ${what}`))));
    ask();
  });
}
