import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FAILPOINTS } from '../../src/failpoints.js';
import { SITES } from '../support/examples.js';
import { type KfmRun, runKfm } from '../support/kfm-cli.js';
import { slots } from '../support/slots.js';
import { initRoot } from '../support/stage-root.js';
import { useTempDirs } from '../support/temp-dirs.js';

// The fault-injection harness (issue 10, Proof): every write step of every stage, taken from the
// failpoint table in src/failpoints.ts, is crashed with a real SIGKILL, recovered and rerun. After
// each: `verify --deep` clean, no temp file, staging folder or lock left, no run left open, and a
// promotion gives the version an uninterrupted one gives (or, killed after it recorded its
// run.completed, has closed its run: the rerun recovers what it left, then is refused RUN_CLOSED).

const RUN = '01JCRASH00000000000000000A';
type Stage = 'ingest' | 'transform' | 'validate' | 'promote';
const STAGES: Stage[] = ['ingest', 'transform', 'validate', 'promote'];

/** The templates of the table as patterns: `<type>` and `<zone>` stand for one path segment. */
const TEMPLATES = Object.keys(FAILPOINTS).map(
  (t) => new RegExp(`^${t.replace(/\./g, '\\.').replace(/<[a-z]+>/g, '[a-z.]+')}$`),
);

function kfm(root: string, args: readonly string[], env: Record<string, string> = {}): Promise<KfmRun> {
  return runKfm(['--root', root, ...args], { env });
}

function stageArgs(stage: Stage): string[] {
  return stage === 'ingest' ? ['ingest', SITES] : [stage, SITES, '--run_id', RUN];
}

async function expectOk(run: Promise<KfmRun>, what: string): Promise<KfmRun> {
  const done = await run;
  if (done.status !== 0) throw new Error(`${what} exited ${done.status}:\n${done.stdout}\n${done.stderr}`);
  return done;
}

/** Files below data/ and ledger/ that a crash may leave and recovery must remove. */
function leftovers(root: string): string[] {
  return ['data', 'ledger']
    .flatMap((top) =>
      readdirSync(join(root, top), { recursive: true, withFileTypes: true }).map((e) =>
        join(e.parentPath, e.name).slice(root.length + 1),
      ),
    )
    .filter((p) => /\/\.[^/]+\.[0-9a-f]{12}\.tmp$|\/\.staging-|\.lock$/.test(p));
}

function versionOf(run: KfmRun): string {
  return (JSON.parse(run.stdout) as { version_id: string }).version_id;
}

describe('a stage killed at any failpoint', () => {
  const roots = useTempDirs('crash');
  /** The root each stage starts from: the run taken through the stages before it. */
  const before = new Map<Stage, string>();
  /** Every step each stage passed, in order, and each distinct step once (where it is first passed). */
  const passes = new Map<Stage, string[]>();
  const steps = new Map<Stage, string[]>();
  let cleanVersion = '';

  beforeAll(async () => {
    let root = roots();
    await initRoot(root);
    for (const stage of STAGES) {
      before.set(stage, roots.clone(root));
      const trace = join(roots(), 'trace');
      const args = stage === 'ingest' ? ['ingest', SITES, '--run_id', RUN] : stageArgs(stage);
      const run = await expectOk(
        kfm(root, ['--json', ...args], { KFM_FAILPOINT_TRACE: trace }),
        `uninterrupted ${stage}`,
      );
      if (stage === 'promote') cleanVersion = versionOf(run);
      const passed = readFileSync(trace, 'utf8')
        .split('\n')
        .filter((line) => line !== '');
      passes.set(stage, passed);
      steps.set(stage, [...new Set(passed)]);
      root = roots.clone(root);
    }
  }, 120_000);

  it('passes only steps of the failpoint table, and every entry of the table is passed by some stage', () => {
    const passed = STAGES.flatMap((s) => steps.get(s)!);
    for (const step of passed)
      expect(
        TEMPLATES.some((t) => t.test(step)),
        step,
      ).toBe(true);
    for (const template of TEMPLATES)
      expect(
        passed.some((s) => template.test(s)),
        String(template),
      ).toBe(true);
    expect(cleanVersion).toMatch(/^v[0-9a-f]{16}$/);
  });

  // One case per core: each is a chain of processes (kill, recover, rerun, verify), independent of
  // the others (its own root), so the stages' cases share the cores instead of queueing on one.
  const slot = slots();

  /** Whether a promote killed at `step` had recorded its run.completed, which closes its run. */
  const closedBy = (stage: Stage, step: string): boolean => {
    const passed = passes.get(stage)!;
    return stage === 'promote' && passed.indexOf(step) > passed.indexOf('event/run.completed/before');
  };

  /** Kill at `step`, recover (by `kfm recover` or by the rerun), rerun, verify; throws what failed. */
  async function crashCase(stage: Stage, step: string, recoverFirst: boolean): Promise<void> {
    const root = roots.clone(before.get(stage)!);
    const killed = await kfm(root, stageArgs(stage), { KFM_FAILPOINT: step });
    expect(killed.status, `${stage} at ${step}: ${killed.stderr}`).toBeNull();
    if (recoverFirst) await expectOk(kfm(root, ['recover', SITES]), `recover after ${step}`);
    if (closedBy(stage, step)) {
      // Its run.completed was recorded: the run is closed. The rerun takes the lock, recovers what
      // the killed promote left (its receipts), and only then is refused: verify --deep is clean
      // below with no `kfm recover` of its own.
      const refused = await kfm(root, ['--json', ...stageArgs(stage)]);
      expect(refused.status, `${stage} rerun after ${step}: ${refused.stdout}`).toBe(2);
      expect(JSON.parse(refused.stdout), step).toMatchObject({
        code: 'RUN_CLOSED',
        details: { closed_by: { outcome: 'published', version_id: cleanVersion } },
      });
    } else {
      const rerun = await expectOk(
        kfm(root, ['--json', ...stageArgs(stage)]),
        `${stage} rerun after ${step}`,
      );
      if (stage === 'promote') expect(versionOf(rerun), step).toBe(cleanVersion);
    }
    const verify = await kfm(root, ['verify', '--deep']);
    expect(verify.status, `${stage} at ${step}:\n${verify.stdout}`).toBe(0);
    // verify --deep also reports any run still open (RUN_UNFINISHED).
    expect(leftovers(root), step).toEqual([]);
  }

  for (const stage of STAGES) {
    it.concurrent(`${stage}: dies by SIGKILL at each step, then recovery and a rerun leave a ledger verify --deep passes`, async () => {
      const cases = steps.get(stage)!;
      expect(cases.length).toBeGreaterThan(5);
      // Half the cases recover explicitly, the others let the rerun recover first.
      const outcomes = await Promise.allSettled(
        cases.map((step, i) => slot(() => crashCase(stage, step, i % 2 === 0))),
      );
      const failed = outcomes.find((o) => o.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    }, 600_000);
  }

  it('the shared data catalog temp a killed promote left is removed by `kfm recover` without a dataset only', async () => {
    const writes = passes.get('promote')!.filter((s) => s === 'write/catalog/filled').length;
    const sharedTemps = (root: string) =>
      readdirSync(join(root, 'data', 'catalog', 'dcat')).filter((f) => f.startsWith('.catalog.json.'));
    let root: string | undefined;
    for (let n = 1; n <= writes && root === undefined; n++) {
      const candidate = roots.clone(before.get('promote')!);
      await kfm(candidate, stageArgs('promote'), { KFM_FAILPOINT: `write/catalog/filled:${n}` });
      if (sharedTemps(candidate).length > 0) root = candidate;
    }
    if (root === undefined) throw new Error('no catalog write of promote is dcat/catalog.json');
    const temp = sharedTemps(root)[0]!;
    // Another dataset's promotion may be writing that file: recovering one dataset leaves it.
    await expectOk(kfm(root, ['recover', SITES]), 'recover of the dataset');
    expect(sharedTemps(root)).toEqual([temp]);
    const all = await expectOk(kfm(root, ['--json', 'recover']), 'recover of every dataset');
    expect(JSON.parse(all.stdout).removed_shared).toEqual([`catalog:dcat/${temp}`]);
    expect(leftovers(root)).toEqual([]);
    expect((await kfm(root, ['verify', '--deep'])).status).toBe(0);
  }, 120_000);

  it('verify --deep names `kfm recover <dataset_id>` for the run a kill left open; recover closes it INTERRUPTED', async () => {
    const root = roots.clone(before.get('promote')!);
    expect((await kfm(root, stageArgs('promote'), { KFM_FAILPOINT: 'publish/staged' })).status).toBeNull();
    expect(existsSync(join(root, 'ledger', 'locks', `${SITES}.lock`))).toBe(true);

    const open = await kfm(root, ['verify', '--deep']);
    expect(open.status).toBe(1);
    expect(open.stdout).toMatch(/RUN_UNFINISHED .*`kfm recover ks_archaeological_sites`/);

    const recovered = await kfm(root, ['--json', 'recover']);
    expect(recovered.status).toBe(0);
    const report = JSON.parse(recovered.stdout) as {
      datasets: { dataset_id: string; closed: { run_id: string; stage: string }[]; removed: string[] }[];
    };
    const sites = report.datasets.find((d) => d.dataset_id === SITES)!;
    expect(sites.closed).toEqual([{ run_id: RUN, stage: 'promote' }]);
    expect(sites.removed).toEqual([`processed:${SITES}/.staging-${RUN}`]);
    const log = await kfm(root, ['--json', 'log', '--run_id', RUN, '--type', 'run.completed']);
    const last = log.stdout.trim().split('\n').at(-1)!;
    expect(JSON.parse(last).payload).toMatchObject({ status: 'failed', error: { code: 'INTERRUPTED' } });
    expect((await kfm(root, ['verify', '--deep'])).status).toBe(0);
    expect(leftovers(root)).toEqual([]);
  }, 120_000);
});
