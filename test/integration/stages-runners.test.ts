import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { flagName, SEED_FLAGS, type Stage } from '../../src/contract/stage-types.js';
import { STAGES } from '../../src/contract/stages/index.js';
import { EXAMPLES, runnerPath } from '../support/examples.js';
import { kfm, runNode } from '../support/kfm-cli.js';
import { ledgerEvents, ledgerPath, readHead } from '../support/ledger-file.js';
import { useStageRoots } from '../support/stage-root.js';

// The thin runners in connectors/<id>/ (compiled to dist/connectors/<id>/<stage>.js) and `kfm demo`.

const roots = useStageRoots('stages-runners');

/** The runners each example has: ingest and validate always, transform where the connector transforms. */
const RUNNERS: [string, Stage][] = EXAMPLES.flatMap((id) =>
  (['ingest', 'transform', 'validate'] as const)
    .filter((s) => s !== 'transform' || id === 'ks_archaeological_sites')
    .map((s) => [id, s] as [string, Stage]),
);

/** The option names in a commander help text (`--name` at the start of an option line). */
function helpFlags(help: string): string[] {
  return [...help.matchAll(/^ {2}(?:-\w, )?(--[\w-]+)/gm)].map((m) => m[1]!);
}

describe('the thin runners', () => {
  it('exist for every stage each example connector runs', () => {
    for (const [id, stage] of RUNNERS) expect(existsSync(runnerPath(id, stage)), `${id}/${stage}`).toBe(true);
    expect(existsSync(runnerPath('ks_mesonet_stations', 'transform'))).toBe(false);
  });

  it.each(RUNNERS)('%s/%s.js --help lists every flag the stage accepts, and no other', async (id, stage) => {
    const run = await runNode(runnerPath(id, stage), ['--help']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`${stage} for dataset ${id}`);
    const listed = helpFlags(run.stdout);
    const accepted = STAGES[stage].flags.map(flagName);
    for (const flag of accepted) expect(listed, flag).toContain(flag);
    for (const flag of SEED_FLAGS.map(flagName).filter((f) => !accepted.includes(f))) {
      expect(listed, flag).not.toContain(flag);
    }
    expect(listed).toEqual(expect.arrayContaining(['--root', '--json']));
  });

  it('run the same stage as kfm: ingest then validate through the runners, dataset from the folder', async () => {
    const root = await roots.root();
    const ingest = await runNode(runnerPath('ks_county_population', 'ingest'), ['--root', root, '--json']);
    expect(ingest.status, ingest.stderr).toBe(0);
    const out = JSON.parse(ingest.stdout) as {
      run_id: string;
      dataset_id: string;
      stage: string;
      status: string;
    };
    expect(out).toMatchObject({ dataset_id: 'ks_county_population', stage: 'ingest', status: 'succeeded' });
    const validate = await runNode(runnerPath('ks_county_population', 'validate'), [
      '--root',
      root,
      '--run_id',
      out.run_id,
    ]);
    expect(validate.status, validate.stderr).toBe(0);
    const events = ledgerEvents(root, { run_id: out.run_id });
    expect(events.filter((e) => e.type === 'run.started').map((e) => e.payload)).toEqual([
      expect.objectContaining({ stage: 'ingest' }),
      expect.objectContaining({ stage: 'validate' }),
    ]);
    expect(new Set(events.map((e) => e.dataset_id))).toEqual(new Set(['ks_county_population']));
    expect(
      existsSync(
        join(root, 'data', 'work', 'ks_county_population', 'runs', out.run_id, 'validation_report.json'),
      ),
    ).toBe(true);
  });

  it('refuse a flag their stage does not take (exit 2), appending nothing', async () => {
    const root = await roots.root();
    const run = await runNode(runnerPath('ks_mesonet_stations', 'validate'), [
      '--root',
      root,
      '--run_id',
      'R1',
      '--since',
      '2026-01-01',
    ]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--since');
    expect(readHead(ledgerPath(root)).seq).toBe(0);
  });
});

describe('kfm demo --root', () => {
  it('runs the three examples, and a second run on the same root works (it wipes only its own folder)', async () => {
    const parent = roots.dir();
    const demo = join(parent, 'demo');
    const first = await kfm(demo, ['demo']);
    expect(first.status, first.stderr).toBe(0);
    for (const id of EXAMPLES) expect(first.stdout).toMatch(new RegExp(`${id} +run \\S+: ingest succeeded`));
    expect(first.stdout).toMatch(/chain intact/);
    const headAfterFirst = readHead(ledgerPath(demo));
    expect(headAfterFirst.seq).toBeGreaterThan(0);
    const second = await kfm(demo, ['demo']);
    expect(second.status, second.stderr).toBe(0);
    for (const id of EXAMPLES) expect(second.stdout).toContain(id);
    // A fresh root each time: the same number of events, not twice as many.
    expect(readHead(ledgerPath(demo)).seq).toBe(headAfterFirst.seq);
  });

  it('refuses a non-empty folder it did not make, leaving it alone (exit 2)', async () => {
    const parent = roots.dir();
    const theirs = join(parent, 'theirs');
    mkdirSync(theirs);
    writeFileSync(join(theirs, 'keep.txt'), 'mine\n');
    const run = await kfm(theirs, ['demo']);
    expect(run.status).toBe(2);
    expect(readdirSync(theirs)).toEqual(['keep.txt']);
    expect(readFileSync(join(theirs, 'keep.txt'), 'utf8')).toBe('mine\n');
  });
});
