import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Stage } from '../../src/contract/stage-types.js';
import { STAGE_NAMES, STAGES } from '../../src/contract/stages/index.js';
import { ZONES, type Zone } from '../../src/zones/zone-layout.js';
import { PROJECT } from '../support/examples.js';
import { runNode } from '../support/kfm-cli.js';
import { ledgerEvents } from '../support/ledger-file.js';
import { useStageRoots } from '../support/stage-root.js';

// README, "Zones": a stage may write only its own zones; any other write is ZONE_VIOLATION (exit 2).
// Every stage of the stage table, each zone outside its scope: the built CLI runs the stage with a
// test hook (test/support/zone-escape.mjs) whose stage body first writes into that zone through the
// writer the runtime gave it. The zones come from STAGES itself, so a stage added there is run here.

const RUN = 'zones-run';
const STREAMFLOW = 'ks_streamflow_daily';
const HOOK = fileURLToPath(new URL('../support/zone-escape.mjs', import.meta.url));
const TSC_BUILT_KFM = fileURLToPath(new URL('../../dist/src/cli/kfm.js', import.meta.url));

/** How to start each stage on the template root: the dataset it runs and its arguments. */
const INVOCATIONS = {
  ingest: { dataset: 'ks_archaeological_sites', args: [] },
  transform: { dataset: 'ks_archaeological_sites', args: ['--run_id', RUN] },
  validate: { dataset: 'ks_archaeological_sites', args: ['--run_id', RUN] },
  promote: { dataset: 'ks_archaeological_sites', args: ['--run_id', RUN] },
  // Nothing answers at this address: the hook writes before any request is made.
  backfill: {
    dataset: STREAMFLOW,
    args: ['--since', '2026-01-01', '--until', '2026-01-02', '--config', 'unreachable.json'],
  },
} satisfies Record<Stage, { dataset: string; args: string[] }>;

const roots = useStageRoots('promises-zones', [['ingest', 'ks_archaeological_sites', '--run_id', RUN]]);

/** A copy of the template: the run ingested, the streamflow registry entry and a config beside. */
async function root(): Promise<string> {
  const dir = await roots.root();
  copyFileSync(
    join(PROJECT, 'data', 'registry', `${STREAMFLOW}.yml`),
    join(dir, 'data', 'registry', `${STREAMFLOW}.yml`),
  );
  writeFileSync(
    join(dir, 'unreachable.json'),
    JSON.stringify({ upstream: { uri: 'http://127.0.0.1:9/readings' } }),
  );
  return dir;
}

/** Runs `stage` under the hook: what each zone's write gave, and what the CLI said. */
async function runEscaping(stage: Stage) {
  const dir = await root();
  const report = join(roots.dir(), 'report.json');
  const { dataset, args } = INVOCATIONS[stage];
  // The hook wraps the stage table of the tsc build (dist/src/), so the CLI run is that build's: the
  // bundle in dist/cli/ holds its own copy of the table, which a preloaded module cannot reach.
  const run = await runNode(TSC_BUILT_KFM, ['--root', dir, '--json', stage, dataset, ...args], {
    cwd: dir,
    nodeArgs: ['--import', HOOK],
    env: { KFM_ESCAPE_REPORT: report },
  });
  const outcomes = JSON.parse(readFileSync(report, 'utf8')) as Record<Zone, string>;
  const written = ZONES.filter((zone) =>
    existsSync(join(dir, 'data', zone, dataset, `escaped-by-${stage}.txt`)),
  );
  const completed = ledgerEvents(dir, { type: 'run.completed', dataset_id: dataset }).at(-1);
  return { run, outcomes, written, completed };
}

describe('a stage body writing into every zone, through the real CLI', () => {
  it('the stage table has the stages the seed names, each barred from some zone', () => {
    expect(STAGE_NAMES).toEqual(
      expect.arrayContaining(['ingest', 'transform', 'validate', 'promote', 'backfill']),
    );
    for (const stage of STAGE_NAMES) expect(STAGES[stage].zones.length).toBeLessThan(ZONES.length);
  });

  it.each(STAGE_NAMES)(
    '%s writes exactly its zones; every other is ZONE_VIOLATION, and the first ends the run (exit 2, recorded)',
    async (stage) => {
      const allowed = STAGES[stage].zones;
      const { run, outcomes, written, completed } = await runEscaping(stage);
      expect(outcomes).toEqual(
        Object.fromEntries(
          ZONES.map((zone) => [zone, allowed.includes(zone) ? 'written' : 'ZONE_VIOLATION']),
        ),
      );
      expect(written).toEqual(ZONES.filter((zone) => allowed.includes(zone)));
      const error = JSON.parse(run.stdout) as { code: string; details: Record<string, unknown> };
      expect(error).toMatchObject({
        code: 'ZONE_VIOLATION',
        details: {
          zone: ZONES.find((zone) => !allowed.includes(zone)),
          allowed: [...allowed],
          stage,
          status: 'failed',
        },
      });
      expect(run.status).toBe(2);
      expect(completed?.payload).toMatchObject({ status: 'failed', error: { code: 'ZONE_VIOLATION' } });
    },
  );
});
