import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { initRoot } from '../../src/cli/commands/init.js';
import { openKfmLedger } from '../../src/compose/open-kfm-ledger.js';
import { runStage, type StageOutcome } from '../../src/contract/run-stage.js';
import { stageRequest } from '../../src/contract/stage-request.js';
import type { Stage } from '../../src/contract/stage-types.js';
import { STAGES } from '../../src/contract/stages/index.js';
import { KfmError } from '../../src/errors.js';
import { readEvents } from '../../src/projections/ledger-event.js';
import { replayProjections } from '../../src/replay/replay-projections.js';
import { ZONES, type Zone, zoneLayout } from '../../src/zones/zone-layout.js';
import { createZoneWriter } from '../../src/zones/zone-writer.js';
import { snapshotTree } from '../support/stage-root.js';
import { useTempDirs } from '../support/temp-dirs.js';

// The zone guard as the stages use it: the writer each contract step gets (STAGES[stage].zones), and a
// hostile connector (test/support/connectors/zz_escape) run through the real stage runtime,
// trying to name its files with `..` or an absolute path.

const tempDir = useTempDirs('zones-guard');

async function refusal(action: () => Promise<unknown>): Promise<KfmError> {
  const error = await action().then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof KfmError)) throw new Error(`expected a KfmError, got ${String(error)}`);
  return error;
}

/** The seed's "Zone write scope" table, for the stages this issue runs. */
const SCOPE: Partial<Record<Stage, Zone[]>> = {
  ingest: ['raw', 'work'],
  transform: ['work'],
  validate: ['work'],
};

describe('the writer of each stage (STAGES[stage].zones)', () => {
  it.each(Object.entries(SCOPE))('%s may write exactly %j', (stage, zones) => {
    expect([...STAGES[stage as Stage].zones].sort()).toEqual([...zones].sort());
  });

  const refused = Object.entries(SCOPE).flatMap(([stage, zones]) =>
    ZONES.filter((z) => !zones.includes(z)).map((zone) => [stage as Stage, zone] as const),
  );
  it.each(refused)(
    'the %s writer refuses the %s zone with ZONE_VIOLATION, creating nothing',
    async (stage, zone) => {
      const layout = zoneLayout(tempDir());
      const writer = createZoneWriter(layout, STAGES[stage].zones);
      const attempts = [
        () => writer.writeFile(zone, 'ds/file.json', '{}\n'),
        () => writer.captureStream(zone, 'ds/file.json', (async function* () {})()),
        () => writer.mkdir(zone, 'ds'),
      ];
      for (const attempt of attempts) {
        const error = await refusal(attempt);
        expect(error.code).toBe('ZONE_VIOLATION');
        expect(error.exitCode).toBe(2);
      }
      expect(existsSync(layout[zone])).toBe(false);
    },
  );

  it.each(Object.entries(SCOPE))('the %s writer writes its own zones %j', async (stage, zones) => {
    const layout = zoneLayout(tempDir());
    const writer = createZoneWriter(layout, STAGES[stage as Stage].zones);
    for (const zone of zones) {
      await writer.writeFile(zone, 'ds/file.json', '{}\n');
      expect(readdirSync(join(layout[zone], 'ds'))).toEqual(['file.json']);
    }
  });
});

describe('a connector naming its outputs outside their zone', () => {
  const ABSOLUTE = join(tmpdir(), `kfm-zones-guard-${process.pid}-escaped.json`);
  const projectRoot = fileURLToPath(new URL('../support/', import.meta.url));

  /** A root with the zz_escape registry entry, whose upstream is a file holding `output_name`. */
  async function escapeRoot(outputName = 'out.json') {
    const root = tempDir();
    await initRoot({ root })({ stdout: () => {}, stderr: () => {}, stdin: process.stdin, isTTY: false });
    const upstream = join(tempDir(), 'input.json');
    writeFileSync(upstream, JSON.stringify({ output_name: outputName }));
    writeFileSync(
      join(root, 'data', 'registry', 'zz_escape.yml'),
      `dataset_id: zz_escape\nupstream:\n  uri: ${pathToFileURL(upstream).href}\n`,
    );
    const logs: string[] = [];
    const env = {
      root,
      ledger: join(root, 'ledger', 'kfm.sqlite'),
      projectRoot,
      stderr: (text: string) => logs.push(text),
      env: {},
    };
    const lastCompleted = async () => {
      const ledger = await openKfmLedger(env.ledger, {
        actor: { tool: 'test', tool_version: '0', connector: 'test' },
      });
      try {
        return (await readEvents(ledger, { type: 'run.completed' })).at(-1)?.payload;
      } finally {
        await ledger.close();
      }
    };
    return { root, env, logs, lastCompleted };
  }

  /** Files anywhere under the root (and the tmp folder an absolute name points into) named like the escape. */
  const escaped = (root: string) =>
    [...snapshotTree(root).keys(), ...(existsSync(ABSOLUTE) ? [ABSOLUTE] : [])].filter((p) =>
      p.endsWith('escaped.json'),
    );

  it.each(['../escaped.json', '../../../escaped.json', ABSOLUTE])(
    'ingest refuses a capture named %j with PATH_UNSAFE, recorded as a failed run',
    async (name) => {
      const { root, env, lastCompleted } = await escapeRoot();
      const config = join(tempDir(), 'config.json');
      writeFileSync(config, JSON.stringify({ source_name: name }));
      const error = await refusal(() => runStage(stageRequest('ingest', 'zz_escape', { config }), env));
      expect(error.code).toBe('PATH_UNSAFE');
      expect(await lastCompleted()).toMatchObject({ status: 'failed', error: { code: 'PATH_UNSAFE' } });
      expect(escaped(root)).toEqual([]);
    },
  );

  it.each(['../escaped.json', '../../../../escaped.json', ABSOLUTE])(
    'transform refuses an output named %j with PATH_UNSAFE, recorded as a failed run',
    async (name) => {
      const { root, env, lastCompleted } = await escapeRoot(name);
      const ingest = (await runStage(stageRequest('ingest', 'zz_escape', {}), env)) as StageOutcome;
      expect(ingest.status).toBe('succeeded');
      const error = await refusal(() =>
        runStage(stageRequest('transform', 'zz_escape', { run_id: ingest.run_id }), env),
      );
      expect(error.code).toBe('PATH_UNSAFE');
      expect(await lastCompleted()).toMatchObject({ status: 'failed', error: { code: 'PATH_UNSAFE' } });
      const runDir = join(root, 'data', 'work', 'zz_escape', 'runs', ingest.run_id);
      expect(readdirSync(runDir).sort()).toEqual(['run_record.json']);
      expect(escaped(root)).toEqual([]);
    },
  );

  it('ends a run whose work zone turns into a symlink mid-run recorded, and says replay writes its receipts', async () => {
    const { root, env, lastCompleted } = await escapeRoot();
    const outside = tempDir();
    const link = join(root, 'data', 'work', 'zz_escape');
    const config = join(tempDir(), 'config.json');
    writeFileSync(config, JSON.stringify({ relink: { link, target: outside } }));
    const error = await refusal(() => runStage(stageRequest('ingest', 'zz_escape', { config }), env));
    expect(error.code).toBe('PATH_UNSAFE');
    expect(error.message).toMatch(
      /run \S+ is recorded \(succeeded, seq 1\.\.\d+\) but its receipts are not written/,
    );
    expect(error.message).toContain('`kfm replay` rewrites them');
    expect(await lastCompleted()).toMatchObject({ status: 'succeeded' });
    expect(readdirSync(outside)).toEqual([]);

    rmSync(link);
    const ledger = await openKfmLedger(env.ledger, {
      actor: { tool: 'test', tool_version: '0', connector: 'test' },
    });
    try {
      await replayProjections(ledger, zoneLayout(root), false);
    } finally {
      await ledger.close();
    }
    const runId = String(error.details.run_id);
    expect(readdirSync(join(link, 'runs', runId))).toEqual(['run_record.json']);
  });
});
