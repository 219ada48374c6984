// Preloaded with `node --import` by test/integration/promises-cli.test.ts: appends one line to the
// file KFM_WORKER_LOG names for every worker thread the process starts (Node's process 'worker'
// event), so a test sees how many threads `kfm verify` split its chain check over.
import { appendFileSync } from 'node:fs';

const log = process.env.KFM_WORKER_LOG;
if (log === undefined || log === '') throw new Error('count-workers.mjs needs KFM_WORKER_LOG');
process.on('worker', () => appendFileSync(log, 'worker\n'));
