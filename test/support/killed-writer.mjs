// A writer to a PostgreSQL ledger that is killed in the middle of a batch: it opens the ledger
// (migrating it), begins an append as the ledger does (BEGIN, the head lock), inserts the first
// <inserted> events of a sealed batch through the ledger's own INSERT, prints "inserted" on stderr
// and waits, holding the transaction open, for the SIGKILL the test sends.
//
//   node killed-writer.mjs <postgres-url> <inserted>
const dist = (path) => new URL(`../../dist/src/ledger/${path}`, import.meta.url).href;
const [
  { openKfmLedger },
  { beginAppend, insertRows },
  { sealEvents },
  { sealContextFactory },
  { rowFromSealed },
] = await Promise.all([
  import(new URL('../../dist/src/compose/open-kfm-ledger.js', import.meta.url).href),
  import(dist('postgres/postgres-ledger.js')),
  import(dist('pure/seal-events.js')),
  import(dist('seal-context.js')),
  import(dist('ledger-store.js')),
]);
const { default: pg } = await import('pg');

const [url, insertedArg] = process.argv.slice(2);
const actor = { tool: 'kfm-test', tool_version: '0', connector: 'killed' };
const door = await openKfmLedger(url, { actor });
await door.close();

const pool = new pg.Pool({ connectionString: url, max: 1 });
const client = await pool.connect();
await beginAppend(client);
const { rows } = await client.query('SELECT seq::int AS seq, hash FROM events ORDER BY seq DESC LIMIT 1');
const head = rows[0] ?? { seq: 0, hash: '0'.repeat(64) };
const drafts = Array.from({ length: Number(insertedArg) * 2 }, (_, n) => ({
  type: 'x.test.killed',
  dataset_id: 'killed',
  run_id: 'run_killed',
  payload: { n },
}));
const events = sealEvents(drafts, sealContextFactory({ actor })(head));
await insertRows(client, events.slice(0, Number(insertedArg)).map(rowFromSealed));
process.stderr.write('inserted\n');
await new Promise(() => setInterval(() => undefined, 60_000));
