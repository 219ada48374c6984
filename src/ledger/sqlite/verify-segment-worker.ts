import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from './open-database.js';
import { type SegmentTask, verifySegment } from './parallel-verify.js';

// A worker thread of verifyLedgerChain: one segment, on its own read-only connection.
const { path, task } = workerData as { path: string; task: SegmentTask };
const db = openDatabase(path, { readonly: true, fileMustExist: true });
try {
  parentPort?.postMessage(verifySegment(db, task));
} finally {
  db.close();
}
