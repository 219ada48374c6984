import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunRow } from '../../src/projections/projection-rows.js';
import { backfill, type Root, useBackfillRoots } from '../support/backfill-root.js';
import { kfm, kfmJson } from '../support/kfm-cli.js';
import { withLedgerFile } from '../support/ledger-file.js';

// `kfm runs` and backfill child runs (issue 15): rows name their parent, the table nests them.

const env = useBackfillRoots('runs-parent');
/**
 * STARTED says how long ago a run started: measured from a fixed KFM_NOW, two outputs compared
 * byte for byte cannot straddle the turn of a second or a minute.
 */
const KFM_NOW = '2030-01-01T00:00:00Z';
/** Output into a pipe with no $COLUMNS: tables are never elided. */
const NO_COLUMNS = { env: { COLUMNS: '', KFM_NOW } };
const columns = (n: number) => ({ env: { COLUMNS: String(n), KFM_NOW } });
const width = (text: string) =>
  Math.max(
    ...text
      .trimEnd()
      .split('\n')
      .map((l) => [...l].length),
  );

describe('kfm runs after a backfill', () => {
  let root: Root;
  let parent: string;
  beforeAll(async () => {
    const server = await env.upstream();
    root = await env.root({ uri: server.base });
    const run = await backfill(root, '2026-01-01', '2026-01-03', ['--json']);
    expect(run.status, run.stderr).toBe(0);
    parent = JSON.parse(run.stdout).run_id;
  });

  it('--json keeps flat rows, oldest first, each child naming its parent_run_id', async () => {
    const runs = await kfmJson<RunRow[]>(root.dir, ['runs']);
    expect(runs.json.map((r) => [r.stage, r.parent_run_id])).toEqual([
      ['backfill', null],
      ['validate', parent],
      ['validate', parent],
    ]);
  });

  it('the table lists the children indented under their parent, with a count', async () => {
    const runs = await kfmJson<RunRow[]>(root.dir, ['runs']);
    const children = runs.json.filter((r) => r.parent_run_id !== null).map((r) => r.run_id);
    const table = await kfm(root.dir, ['runs'], NO_COLUMNS);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(
      new RegExp(`^ks_streamflow_daily\\s+${parent}\\s+succeeded\\s+backfill ✓ \\(2 child runs\\)`),
    );
    expect(lines[2]).toMatch(new RegExp(`^\\s+└ ${children[0]}\\s+succeeded\\s+ingest ✓ validate ✓`));
    expect(lines[3]).toMatch(new RegExp(`^\\s+└ ${children[1]}\\s+succeeded`));
  });

  it('a child whose parent is filtered out keeps its own row', async () => {
    const table = await kfm(root.dir, ['runs', '--status', 'succeeded', 'ks_streamflow_daily']);
    expect(table.stdout).toContain('(2 child runs)');
    const json = await kfmJson<RunRow[]>(root.dir, ['runs', '--status', 'running']);
    expect(json.json).toEqual([]);
  });

  it('fits $COLUMNS (80 at least) by eliding ids in the middle; --wide and a pipe show every cell', async () => {
    const full = await kfm(root.dir, ['runs'], NO_COLUMNS);
    expect(width(full.stdout)).toBeGreaterThan(100);
    expect(full.stdout).not.toContain('…');
    const wide = await kfm(root.dir, ['runs', '--wide'], columns(80));
    expect(wide.stdout).toBe(full.stdout);

    const fitted = await kfm(root.dir, ['runs'], columns(80));
    expect(width(fitted.stdout)).toBeLessThanOrEqual(80);
    expect(fitted.stdout.split('\n')).toHaveLength(full.stdout.split('\n').length);
    // A run id keeps both ends: its first and last characters identify it at a glance.
    expect(fitted.stdout).toMatch(new RegExp(`${parent.slice(0, 3)}[0-9A-Z]*…[0-9A-Z]*${parent.slice(-2)}`));
    const narrow = await kfm(root.dir, ['runs'], columns(20));
    expect(narrow.stdout).toBe(fitted.stdout);
  });

  it('kfm lineage folds the children under their parent: --limit lists that many, --all every one', async () => {
    const children = (await kfmJson<RunRow[]>(root.dir, ['runs'])).json
      .filter((r) => r.parent_run_id === parent)
      .map((r) => r.run_id);
    const limited = await kfm(root.dir, ['lineage', 'ks_streamflow_daily', '--limit', '1']);
    expect(limited.status, limited.stderr).toBe(0);
    expect(limited.stdout).toMatch(
      /^upstream {2}2 requests to http:\/\/127\.0\.0\.1:\d+\/readings\?… {2}\(first seen seq \d+–\d+\)$/m,
    );
    expect(limited.stdout).toMatch(/^ {2}2 child runs: 2 succeeded {2}seq \d+–\d+$/m);
    expect(limited.stdout).toContain(`    run ${children[0]}  succeeded`);
    expect(limited.stdout).not.toContain(`run ${children[1]}`);
    expect(limited.stdout).toContain(
      '    … 1 more child run (--all lists them; kfm show <run_id> shows one)',
    );

    const all = await kfm(root.dir, ['lineage', 'ks_streamflow_daily', '--all']);
    expect(all.status, all.stderr).toBe(0);
    for (const child of children) expect(all.stdout).toContain(`    run ${child}  succeeded`);
    expect(all.stdout).not.toContain('more');

    const both = await kfm(root.dir, ['lineage', 'ks_streamflow_daily', '--limit', '1', '--all']);
    expect([both.status, both.stdout]).toEqual([2, '']);
    expect(both.stderr).toBe(
      "kfm: option '--all' cannot be used with option '--limit <n>'; see kfm lineage --help [USAGE]\n",
    );
  });

  it('measures STARTED from KFM_NOW, and refuses a KFM_NOW that is not an instant (exit 2)', async () => {
    const runs = await kfmJson<RunRow[]>(root.dir, ['runs']);
    const started = Date.parse(runs.json[0]!.started_at);
    const later = new Date(started + 3 * 60_000 + 20_000).toISOString();
    const table = await kfm(root.dir, ['runs'], { env: { COLUMNS: '', KFM_NOW: later } });
    expect(table.status).toBe(0);
    expect(table.stdout.split('\n')[1]).toMatch(
      new RegExp(`^ks_streamflow_daily\\s+${parent}\\s.*\\s3 min ago\\s`),
    );
    const refused = await kfm(root.dir, ['runs'], { env: { KFM_NOW: 'yesterday' } });
    expect([refused.status, refused.stdout]).toEqual([2, '']);
    expect(refused.stderr).toBe(
      'kfm: KFM_NOW=yesterday: expected an ISO-8601 instant with its offset, e.g. 2026-01-01T12:00:00Z (or unset it for the clock) [USAGE]\n',
    );
  });

  it('a ledger from before the column: readers say MIGRATION_REQUIRED, kfm migrate fills parent_run_id', async () => {
    const ledger = join(root.dir, 'ledger', 'kfm.sqlite');
    // What a kfm of migration 0003 and reducer version 1 left behind.
    withLedgerFile(ledger, (db) => {
      db.exec('ALTER TABLE proj_runs DROP COLUMN parent_run_id');
      db.exec(
        'DROP TABLE tlog_leaves; DROP TABLE tlog_tiles; DROP TABLE tlog_state; DROP TABLE tlog_checkpoints',
      );
      db.prepare("DELETE FROM kysely_migration WHERE name >= '0004_runs_parent_run_id'").run();
      db.prepare('UPDATE proj_state SET reducer_version = 1').run();
    });
    const stale = await kfmJson(root.dir, ['runs']);
    expect(stale.status, stale.stdout).toBe(2);
    expect(stale.json).toMatchObject({ code: 'MIGRATION_REQUIRED' });
    const migrate = await kfmJson(root.dir, ['migrate']);
    expect(migrate.json).toMatchObject({
      applied: ['0004_runs_parent_run_id', '0005_transparency_log', '0007_tlog_leaves'],
      tables_synced: true,
    });
    const runs = await kfmJson<RunRow[]>(root.dir, ['runs']);
    expect(runs.json.map((r) => r.parent_run_id)).toEqual([null, parent, parent]);
  });
});
