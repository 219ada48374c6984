import { cpSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { kfm, kfmJson, stage } from '../support/kfm-cli.js';
import { useStageRoots } from '../support/stage-root.js';

// Recovery in zones moved with --raw_dir/--processed_dir (inside the root, recorded in run.started):
// what a killed stage left there is removed by `kfm recover`, which names no zone flag, so
// `verify --deep` — which checks each dataset where its runs put it — passes afterwards.

const DS = 'ks_county_population';
const RUN = '01JCRASHZ0NE0000000000000A';
const MOVED = ['--raw_dir', 'alt/raw', '--work_dir', 'alt/work'];
const PROMOTE = ['promote', DS, '--run_id', RUN, ...MOVED, '--processed_dir', 'alt/processed'];

interface Recovered {
  datasets: { dataset_id: string; closed: { run_id: string; stage: string }[]; removed: string[] }[];
}

const roots = useStageRoots('crash-moved-zones');

/** Names below `dir` (relative, at any depth) that only a crash leaves: temp files and staging folders. */
function leftovers(root: string, dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' }).filter((p) =>
    /(^|\/)\.[^/]+\.[0-9a-f]{12}\.tmp$|(^|\/)\.staging-[^/]+$/.test(p),
  );
}

async function recoverAndVerify(root: string): Promise<Recovered['datasets'][number]> {
  const recovered = await kfmJson<Recovered>(root, ['recover', DS]);
  expect(recovered.status, recovered.stderr).toBe(0);
  const verify = await kfm(root, ['verify', '--deep']);
  expect(verify.status, verify.stdout).toBe(0);
  return recovered.json.datasets[0]!;
}

describe('a stage killed while writing a moved zone', () => {
  /** Ingested and validated with raw and work moved: the root each promote case starts from. */
  let validated = '';

  beforeAll(async () => {
    validated = await roots.root();
    const cwd = { cwd: validated };
    await stage(validated, ['ingest', DS, '--run_id', RUN, ...MOVED], 0, cwd);
    await stage(validated, ['validate', DS, '--run_id', RUN, ...MOVED], 0, cwd);
  }, 120_000);

  function clone(): string {
    const to = roots.dir();
    cpSync(validated, to, { recursive: true });
    return to;
  }

  it('promote --processed_dir killed at publish/staged: recover removes alt/processed staging, the rerun publishes the same version', async () => {
    const clean = clone();
    const reference = await stage(clean, PROMOTE, 0, { cwd: clean });

    const root = clone();
    const killed = await kfm(root, PROMOTE, { cwd: root, env: { KFM_FAILPOINT: 'publish/staged' } });
    expect(killed.status, killed.stderr).toBeNull();
    expect(leftovers(root, 'alt/processed')).toEqual([`${DS}/.staging-${RUN}`]);

    const recovered = await recoverAndVerify(root);
    expect(recovered.closed).toEqual([{ run_id: RUN, stage: 'promote' }]);
    expect(recovered.removed).toEqual([`processed:${DS}/.staging-${RUN}`]);
    expect(leftovers(root, 'alt')).toEqual([]);

    const rerun = await stage(root, PROMOTE, 0, { cwd: root });
    expect(rerun.json.version_id).toBe(reference.json.version_id);
    expect((await kfm(root, ['verify', '--deep'])).status).toBe(0);
  }, 120_000);

  it('ingest --raw_dir killed mid-write of a capture: recover removes the temp file in alt/raw, a rerun ingests cleanly', async () => {
    const root = await roots.root();
    const cwd = { cwd: root };
    const killed = await kfm(root, ['ingest', DS, '--run_id', RUN, ...MOVED], {
      ...cwd,
      env: { KFM_FAILPOINT: 'write/raw/filled' },
    });
    expect(killed.status, killed.stderr).toBeNull();
    expect(leftovers(root, 'alt/raw')).toHaveLength(1);

    const recovered = await recoverAndVerify(root);
    expect(recovered.closed).toEqual([{ run_id: RUN, stage: 'ingest' }]);
    expect(leftovers(root, 'alt')).toEqual([]);

    await stage(root, ['ingest', DS, ...MOVED], 0, cwd);
    expect((await kfm(root, ['verify', '--deep'])).status).toBe(0);
  }, 120_000);
});
