// A writer that appends and then keeps the ledger open, its commits still in the -wal (not yet
// checkpointed into the file), until told to close: what a reader meets beside a live connector.
//
//   node holding-writer.mjs <ledger> <events>
//
// Appends <events> events through the compiled ledger door (dist/), prints the head as one JSON
// line, waits for one line on stdin, then closes the ledger and prints "closed".
const { openKfmLedger } = await import(
  new URL('../../dist/src/compose/open-kfm-ledger.js', import.meta.url).href
);

const [ledgerPath, eventsArg] = process.argv.slice(2);
const ledger = await openKfmLedger(ledgerPath, { actor: { tool: 'kfm-test', tool_version: '0' } });
const drafts = Array.from({ length: Number(eventsArg) }, (_, n) => ({
  type: 'x.test.held',
  dataset_id: 'held',
  run_id: 'run_held',
  payload: { n },
}));
const { head } = await ledger.append(drafts);
process.stdout.write(`${JSON.stringify(head)}\n`);
await new Promise((resolve) => process.stdin.once('data', resolve));
await ledger.close();
process.stdout.write('closed\n');
