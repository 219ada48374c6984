import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { useDemoRoots } from '../support/demo-root.js';
import { kfmHead, runKfm, runKfmJson } from '../support/kfm-cli.js';
import {
  dropAppendOnlyTriggers,
  editBody,
  ledgerPath,
  readHead,
  readRow,
  withLedgerFile,
} from '../support/ledger-file.js';
import { usePostgresDatabases, withPostgres } from '../support/postgres.js';
import { useTempDirs } from '../support/temp-dirs.js';

// `kfm export --to` / `kfm import --from`: a ledger copied between SQLite and PostgreSQL keeps
// every byte and hash, is verified row by row on arrival, and only ever goes into an empty ledger.

const demo = useDemoRoots('copy');
const tempRoot = useTempDirs('copy');
const database = usePostgresDatabases();
// One demo for the file (no case writes to it): a demo costs seconds of the shared cores.
let pristine: Promise<string> | undefined;
const demoRoot = () => {
  pristine ??= demo.pristine();
  return pristine;
};

async function eventsIn(url: string): Promise<number> {
  return withPostgres(url, async (client) =>
    Number((await client.query('SELECT count(*) AS n FROM events')).rows[0].n),
  );
}

describe('kfm export and kfm import', () => {
  it('copies a demo ledger to PostgreSQL and back: it verifies, with the same head and bodies', async () => {
    const source = await demoRoot();
    const head = await kfmHead(source);
    const url = await database();

    const exported = await runKfmJson(['--root', source, '--json', 'export', '--to', url]);
    expect(exported.status).toBe(0);
    expect(exported.json).toMatchObject({ events: head.seq, head: { seq: head.seq, hash: head.hash } });
    expect(exported.json.to).not.toContain('@127.0.0.1:5432/postgres');

    const back = tempRoot();
    const imported = await runKfm(['--root', back, 'import', '--from', url]);
    expect(imported.status).toBe(0);
    expect(imported.stdout).toContain(`copied ${head.seq} events`);
    expect(readHead(ledgerPath(back))).toEqual({ seq: head.seq, hash: head.hash });
    const verify = await runKfmJson(['--root', back, '--json', 'verify']);
    expect(verify.status).toBe(0);
    expect(verify.json).toMatchObject({ ok: true, events: head.seq });
    // Byte for byte: the hash is over the canonical body, which no backend rewrites.
    for (const seq of [1, Math.ceil(head.seq / 2), head.seq]) {
      const [a, b] = [ledgerPath(source), ledgerPath(back)].map((p) =>
        withLedgerFile(p, (db) => readRow(db, seq)),
      );
      expect(b).toEqual(a);
    }
    // The projection tables of the copy were filled in the import: the query commands answer alike.
    const [runsThere, runsBack] = await Promise.all(
      [source, back].map((r) => runKfm(['--root', r, '--json', 'runs'])),
    );
    expect(runsBack!.status).toBe(0);
    expect(runsBack!.stdout).toBe(runsThere!.stdout);
    expect(runsBack!.stdout).toContain('ks_mesonet_stations');
  });

  it('takes the local ledger from KFM_LEDGER_URL and copies from PostgreSQL to a file', async () => {
    const source = await demoRoot();
    const url = await database();
    expect((await runKfm(['--root', source, 'export', '--to', url])).status).toBe(0);
    const target = `${tempRoot()}/copied.sqlite`;
    const run = await runKfm(['export', '--to', `sqlite:${target}`], { env: { KFM_LEDGER_URL: url } });
    expect(run.status).toBe(0);
    expect(readHead(target)).toEqual(await kfmHead(source));
  });

  it('refuses a target that already has events (exit 2) and leaves it as it was', async () => {
    const source = await demoRoot();
    const url = await database();
    expect((await runKfm(['--root', source, 'export', '--to', url])).status).toBe(0);
    const before = await eventsIn(url);
    const again = await runKfm(['--root', source, 'export', '--to', url]);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain('LEDGER_NOT_EMPTY');
    expect(await eventsIn(url)).toBe(before);

    const into = await runKfm(['--root', source, 'import', '--from', url]);
    expect(into.status).toBe(2);
    expect(into.stderr).toContain('LEDGER_NOT_EMPTY');
  });

  it('refuses a source whose row fails verification on arrival (exit 1) and writes nothing', async () => {
    const root = demo.clone(await demoRoot());
    withLedgerFile(ledgerPath(root), (db) => {
      dropAppendOnlyTriggers(db);
      const row = readRow(db, 5);
      db.prepare('UPDATE events SET body = ? WHERE seq = 5').run(
        editBody(row.body, row.run_id, `${row.run_id.slice(0, -1)}X`),
      );
    });
    const url = await database();
    const run = await runKfm(['--root', root, 'export', '--to', url]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('COPY_VERIFY_FAILED');
    expect(run.stderr).toContain('seq 5');
    expect(await eventsIn(url)).toBe(0);

    // Into a file the copy would create: refused the same, and no ledger file is left behind.
    const fresh = tempRoot();
    const into = await runKfm(['--root', fresh, 'import', '--from', ledgerPath(root)]);
    expect(into.status).toBe(1);
    expect(into.stderr).toContain('COPY_VERIFY_FAILED');
    expect(existsSync(ledgerPath(fresh))).toBe(false);
  });
});
