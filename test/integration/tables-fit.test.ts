import { beforeAll, describe, it } from 'vitest';
import { useDemoRoots } from '../support/demo-root.js';
import { runKfm } from '../support/kfm-cli.js';

// Human tables of the query commands fit $COLUMNS (issue 15): ids, hashes and paths elide in the
// middle instead of wrapping; into a pipe without $COLUMNS, or with --wide, every cell is whole.
// Relative times are measured from a fixed KFM_NOW, so two outputs compared byte for byte cannot
// straddle the turn of a second or a minute.

const roots = useDemoRoots('tables-fit');
const DS = 'ks_mesonet_stations';
const widest = (lines: string[]) => Math.max(...lines.map((l) => [...l].length));
const KFM_NOW = '2030-01-01T00:00:00Z';
let root: string;
beforeAll(async () => {
  root = await roots.pristine();
});

describe.concurrent.for([
  // Lineage's header lines (the upstream URI) are text, not table rows: only its rows must fit.
  { command: ['lineage', DS], rows: '^\\s*(catalog|artifact)\\s' },
  { command: ['versions', DS], rows: '.' },
])('kfm $command.0', ({ command, rows }) => {
  const tableRows = (out: string) => out.split('\n').filter((l) => new RegExp(rows).test(l));

  it('elides cells to fit COLUMNS=80, keeping every row on one line', async ({ expect }) => {
    const full = await runKfm(['--root', root, ...command], { env: { COLUMNS: '', KFM_NOW } });
    const fitted = await runKfm(['--root', root, ...command], { env: { COLUMNS: '80', KFM_NOW } });
    expect(fitted.status).toBe(0);
    expect(widest(tableRows(full.stdout))).toBeGreaterThan(80);
    expect(full.stdout).not.toContain('…');
    expect(widest(tableRows(fitted.stdout))).toBeLessThanOrEqual(80);
    expect(fitted.stdout).toContain('…');
    expect(fitted.stdout.split('\n')).toHaveLength(full.stdout.split('\n').length);
  });

  it('--wide shows every cell whatever COLUMNS says', async ({ expect }) => {
    const full = await runKfm(['--root', root, ...command], { env: { COLUMNS: '', KFM_NOW } });
    const wide = await runKfm(['--root', root, '--wide', ...command], { env: { COLUMNS: '80', KFM_NOW } });
    expect(wide.stdout).toBe(full.stdout);
  });
});
