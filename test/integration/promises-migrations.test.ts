import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../migrations/index.js';
import { runKfmJson } from '../support/kfm-cli.js';
import { ledgerPath, readHead, sha256Hex, withLedgerFile } from '../support/ledger-file.js';
import { useTempDirs } from '../support/temp-dirs.js';

// README, "Upgrading a root written by an earlier kfm": roots an earlier kfm wrote (committed in
// test/fixtures/ledgers/, see its SOURCE.md) upgraded by today's. Readers verify them in place and
// change nothing; `kfm migrate` upgrades the schema once, keeping the head; `verify --deep` then
// reports only the renderings this kfm changed (PROJECTION_DRIFT), which one `kfm replay` rewrites.

const FIXTURES = fileURLToPath(new URL('../fixtures/ledgers/', import.meta.url));
const ALL = Object.keys(MIGRATIONS).sort();
const LATEST = ALL.at(-1)!;

/** The catalogs kfm renders differently since those versions (README names what changed). */
const CATALOGS_REDRAWN = (runs: Record<string, string>) => [
  'data/catalog/dcat/catalog.json',
  'data/catalog/dcat/ks_archaeological_sites.json',
  'data/catalog/dcat/ks_county_population.json',
  'data/catalog/dcat/ks_mesonet_stations.json',
  `data/catalog/prov/ks_archaeological_sites/run_${runs.ks_archaeological_sites}.json`,
  `data/catalog/prov/ks_county_population/run_${runs.ks_county_population}.json`,
  `data/catalog/prov/ks_mesonet_stations/run_${runs.ks_mesonet_stations}.json`,
  'data/catalog/stac/ks_archaeological_sites/collection.json',
  'data/catalog/stac/ks_archaeological_sites/items/v756d2f72861fd62d/ks_archaeological_sites-v756d2f72861fd62d.json',
  'data/catalog/stac/ks_mesonet_stations/collection.json',
  'data/catalog/stac/ks_mesonet_stations/items/v6407d5c12b7f5404/ks_mesonet_stations-v6407d5c12b7f5404.json',
];

const CASES = [
  {
    name: 'schema-0002',
    commit: '56dbcce',
    schema: '0002_event_read_indexes',
    head: { seq: 50, hash: '4a835234e5cd6a957cd0cf0b647c002f9d31a93e38dcbcd00db4ea09410ea65e' },
    redrawn: CATALOGS_REDRAWN({
      ks_archaeological_sites: '01M8VVB901MJ8QC9M6FBFC4BQR',
      ks_county_population: '01M8VVB8BWN694PTQQ9S6AZ4DE',
      ks_mesonet_stations: '01M8VVB6VACCG0X50F9KK73X19',
    }),
  },
  {
    name: 'schema-0003',
    commit: '7578ae2',
    schema: '0003_projection_tables',
    head: { seq: 50, hash: 'a142a3a272fa8bf32ea9f65ba3b0d3384ba75ef4f2ec3e51fb671d6542e9a275' },
    redrawn: CATALOGS_REDRAWN({
      ks_archaeological_sites: '01M8VVBDMJ7TX7D9P4WZ4ZDN2X',
      ks_county_population: '01M8VVBD92Q5BBN2BTF7PHXVS1',
      ks_mesonet_stations: '01M8VVBC8XYGBETAPBEJB12HNK',
    }),
  },
  // Written after the renderings changed: nothing to redraw.
  {
    name: 'schema-0004',
    commit: '12480c4',
    schema: '0004_runs_parent_run_id',
    head: { seq: 50, hash: 'b35dde3452c7eafcc7ac028ab1330f496bf8a68fa380d7b86683b54727a53a5e' },
    redrawn: [],
  },
] as const;

const tempDir = useTempDirs('promises-migrations');

const migrationsOf = (path: string) =>
  withLedgerFile(path, (db) => db.prepare('SELECT name FROM kysely_migration ORDER BY name').pluck().all());
const fileSha = (path: string) => sha256Hex(readFileSync(path));

interface Deep {
  ok: boolean;
  head: { seq: number; hash: string };
  failures: { path?: string; code: string }[];
}

// Each case works on its own copies: they may run side by side.
describe.concurrent.each(CASES)(
  'a root written by kfm at $commit ($name)',
  ({ name, schema, head, redrawn }) => {
    const copy = () => {
      const root = join(tempDir(), 'root');
      cpSync(join(FIXTURES, name), root, { recursive: true });
      return root;
    };

    it(`holds the schema up to ${schema} and the head SOURCE.md names`, () => {
      const path = ledgerPath(join(FIXTURES, name));
      expect(migrationsOf(path)).toEqual(ALL.slice(0, ALL.indexOf(schema) + 1));
      expect(readHead(path)).toEqual(head);
    });

    it('is verified in place by readers, which change nothing; the query commands ask for kfm migrate', async () => {
      const root = copy();
      const path = ledgerPath(root);
      const before = fileSha(path);
      const verify = await runKfmJson(['--root', root, '--json', 'verify']);
      expect(verify.json).toEqual({ ok: true, events: 50, head, failures: [], failures_omitted: 0 });
      expect(verify.status).toBe(0);
      const runs = await runKfmJson(['--root', root, '--json', 'runs']);
      expect(runs.json).toMatchObject({ code: 'MIGRATION_REQUIRED', details: { file: path } });
      expect(runs.status).toBe(2);
      expect(fileSha(path)).toBe(before);
      expect(migrationsOf(path)).toEqual(ALL.slice(0, ALL.indexOf(schema) + 1));
    });

    it(`is upgraded to ${LATEST} by kfm migrate, once, the head kept; verify --deep then asks for one replay`, async () => {
      const root = copy();
      const path = ledgerPath(root);
      const migrate = await runKfmJson(['--root', root, '--json', 'migrate']);
      expect(migrate.json).toEqual({
        ledger: path,
        from: schema,
        to: LATEST,
        applied: ALL.slice(ALL.indexOf(schema) + 1),
        tables_synced: true,
      });
      expect(migrate.status).toBe(0);
      expect(migrationsOf(path)).toEqual(ALL);
      expect(readHead(path)).toEqual(head);

      const upgraded = fileSha(path);
      const again = await runKfmJson(['--root', root, '--json', 'migrate']);
      expect(again.json).toEqual({
        ledger: path,
        from: LATEST,
        to: LATEST,
        applied: [],
        tables_synced: false,
      });
      expect(again.status).toBe(0);
      expect(fileSha(path)).toBe(upgraded);

      const verify = await runKfmJson(['--root', root, '--json', 'verify']);
      expect(verify.json).toEqual({ ok: true, events: 50, head, failures: [], failures_omitted: 0 });
      expect(verify.status).toBe(0);

      const deep = await runKfmJson<Deep>(['--root', root, '--json', 'verify', '--deep']);
      expect(deep.json.failures.map(({ path: p, code }) => ({ path: p, code }))).toEqual(
        redrawn.map((p) => ({ path: p, code: 'PROJECTION_DRIFT' })),
      );
      expect(deep.json.head).toEqual(head);
      expect(deep.status).toBe(redrawn.length === 0 ? 0 : 1);

      const replay = await runKfmJson(['--root', root, '--json', 'replay']);
      expect(replay.json).toMatchObject({
        ok: true,
        events: 50,
        rewritten: redrawn.length,
        rows_rewritten: 0,
      });
      expect(replay.status).toBe(0);
      const clean = await runKfmJson<Deep>(['--root', root, '--json', 'verify', '--deep']);
      expect(clean.json).toMatchObject({ ok: true, head, failures: [] });
      expect(clean.status).toBe(0);
      expect(readHead(path)).toEqual(head);
    });
  },
);
