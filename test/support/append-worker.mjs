// One OS process appending to a shared ledger in many small transactions, through the compiled
// append API (dist/, as `npx kfm` runs it), through the async ledger door, so <ledger> is an SQLite
// path or a postgres:// URL. Used by concurrency.test.ts and postgres-ledger.test.ts.
//
//   node append-worker.mjs <ledger> <worker> <events> <max_batch> [--create]
//
// Prints "ready" once loaded, waits for one line on stdin (so all workers start together), then
// opens the ledger, appends <events> events in batches of 1..<max_batch>, and prints one JSON line:
// {"worker", "transactions", "seqs"} with the seq the ledger gave each of its events.
const { openKfmLedger } = await import(
  new URL('../../dist/src/compose/open-kfm-ledger.js', import.meta.url).href
);

const [ledgerPath, worker, eventsArg, maxBatchArg, createFlag] = process.argv.slice(2);
const total = Number(eventsArg);
const maxBatch = Number(maxBatchArg);

process.stdout.write('ready\n');
await new Promise((resolve) => process.stdin.once('data', resolve));
process.stdin.pause();

const ledger = await openKfmLedger(ledgerPath, {
  create: createFlag === '--create',
  actor: { tool: 'kfm-test', tool_version: '0', connector: `worker_${worker}` },
});
const seqs = [];
let appended = 0;
let transactions = 0;
while (appended < total) {
  const size = Math.min(1 + (transactions % maxBatch), total - appended);
  const drafts = Array.from({ length: size }, (_, i) => ({
    type: 'x.test.concurrent',
    dataset_id: 'concurrency',
    run_id: `worker_${worker}`,
    payload: { worker: Number(worker), n: appended + i },
  }));
  const result = await ledger.append(drafts);
  for (const event of result.events) seqs.push(event.envelope.seq);
  appended += size;
  transactions++;
  // A writer does other work between appends; without a pause the lock holder re-takes the lock
  // before SQLite's busy handler wakes the others, and the processes would simply run in turn.
  await new Promise((resolve) => setTimeout(resolve, 1));
}
await ledger.close();
process.stdout.write(`${JSON.stringify({ worker: Number(worker), transactions, seqs })}\n`);
