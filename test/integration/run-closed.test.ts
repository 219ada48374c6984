import { beforeAll, describe, expect, it } from 'vitest';
import { useDemoRoots } from '../support/demo-root.js';
import { kfmHead, runKfm, runKfmJson, STACK_FRAME } from '../support/kfm-cli.js';

// Issue 15, "Operator comfort": a run whose promote completed (published, reused or denied) is
// closed — no stage may be appended to it — and a stage given another dataset's run id says whose
// run it is. Each case runs on a `kfm demo` root, where every example's run is promoted.

const SITES = 'ks_archaeological_sites';
const STATIONS = 'ks_mesonet_stations';
const roots = useDemoRoots('run-closed');
let demo: string;
/** The demo's promoted run of ks_archaeological_sites and the version it published. */
const sites = { run_id: '', version_id: '' };

interface ErrorJson {
  code: string;
  message: string;
  details: Record<string, unknown>;
}

beforeAll(async () => {
  demo = await roots.pristine();
  const versions = await runKfmJson<{ run_id: string; version_id: string }[]>([
    '--root',
    demo,
    '--json',
    'versions',
    SITES,
  ]);
  Object.assign(sites, { run_id: versions.json[0]!.run_id, version_id: versions.json[0]!.version_id });
}, 120_000);

describe('a stage on a run whose promote published a version', () => {
  it.each(['transform', 'validate', 'promote'])(
    '%s is refused: exit 2 RUN_CLOSED naming the run, its promote and the fix; ledger head unchanged',
    async (stage) => {
      const root = roots.clone(demo);
      const { run_id, version_id } = sites;
      const before = await kfmHead(root);
      const run = await runKfmJson<ErrorJson>(['--root', root, '--json', stage, SITES, '--run_id', run_id]);
      expect(run.status, run.stdout + run.stderr).toBe(2);
      expect(run.json.code).toBe('RUN_CLOSED');
      expect(run.json.message).toContain(`run ${run_id} of ${SITES} is closed`);
      expect(run.json.message).toContain(`its promote published version ${version_id} at seq ${before.seq}`);
      expect(run.json.message).toContain(`no ${stage} may follow`);
      expect(run.json.message).toContain(`\`kfm ingest ${SITES}\` (omit --run_id or give a new one)`);
      expect(run.json.details).toMatchObject({
        dataset_id: SITES,
        run_id,
        stage,
        closed_by: { stage: 'promote', outcome: 'published', seq: before.seq, version_id },
      });
      expect(await kfmHead(root)).toEqual(before);
    },
    60_000,
  );

  it('prints one `kfm: … [RUN_CLOSED]` line without --json, no stack trace', async () => {
    const root = roots.clone(demo);
    const run = await runKfm(['--root', root, 'validate', SITES, '--run_id', sites.run_id]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^kfm: run \S+ of ks_archaeological_sites is closed: .+ \[RUN_CLOSED\]\n$/);
    expect(run.stderr).not.toMatch(STACK_FRAME);
    expect(run.stdout).toBe('');
  });
});

describe('a run whose promote was denied', () => {
  it('is closed too: promote again is RUN_CLOSED naming the denial; ledger head unchanged', async () => {
    const root = roots.clone(demo);
    const kfm = (args: string[]) => runKfmJson<ErrorJson>(['--root', root, '--json', ...args]);
    const ingest = await runKfmJson<{ run_id: string }>(['--root', root, '--json', 'ingest', STATIONS]);
    const denied = await kfm(['promote', STATIONS, '--run_id', ingest.json.run_id]);
    expect(denied.status).toBe(3);
    const before = await kfmHead(root);
    const again = await kfm(['promote', STATIONS, '--run_id', ingest.json.run_id]);
    expect(again.status, again.stdout).toBe(2);
    expect(again.json.code).toBe('RUN_CLOSED');
    expect(again.json.message).toContain(`its promote denied at seq ${before.seq}`);
    expect(again.json.details).toMatchObject({ closed_by: { outcome: 'denied', version_id: null } });
    expect(await kfmHead(root)).toEqual(before);
  }, 60_000);
});

describe("a stage given another dataset's run id", () => {
  // ingest and backfill start a run: without the check they would start a second one under the id.
  it.each([
    ['ingest', [], 'omit --run_id, or give ks_mesonet_stations a run id no other run has'],
    [
      'backfill',
      ['--since', '2024-01-01', '--until', '2024-01-03'],
      'omit --run_id, or give ks_mesonet_stations a run id no other run has',
    ],
    ['transform', [], '`kfm transform ks_archaeological_sites --run_id'],
    ['validate', [], '`kfm validate ks_archaeological_sites --run_id'],
    ['promote', [], '`kfm promote ks_archaeological_sites --run_id'],
  ])(
    '%s says which dataset owns the run: exit 2, ledger head unchanged',
    async (stage, extra, fix) => {
      const root = roots.clone(demo);
      const before = await kfmHead(root);
      const sitesRun = sites.run_id;
      const args = ['--root', root, '--json', stage, STATIONS, '--run_id', sitesRun, ...extra];
      const run = await runKfmJson<ErrorJson>(args);
      expect(run.status, run.stdout + run.stderr).toBe(2);
      expect(run.json.code).toBe('NOT_FOUND');
      expect(run.json.message).toContain(`run ${sitesRun} belongs to dataset ${SITES}, not ${STATIONS}: `);
      expect(run.json.message).toContain(fix);
      expect(run.json.details).toEqual({ run_id: sitesRun, dataset_id: STATIONS, owner_dataset_id: SITES });
      expect(await kfmHead(root)).toEqual(before);
    },
    60_000,
  );
});
