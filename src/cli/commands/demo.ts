import { copyFileSync, existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConnector } from '../../contract/load-connector.js';
import { runStage, type StageOutcome } from '../../contract/run-stage.js';
import { stageRequest } from '../../contract/stage-request.js';
import { EXIT, KfmError } from '../../errors.js';
import { PACKAGE_ROOT } from '../../tool-info.js';
import { COMMAND_SUMMARIES } from '../command-summaries.js';
import { type Cli, type CommandRun, type GlobalOptions, type Paths, resolvePaths } from '../io.js';
import { withLedger } from '../ledger-access.js';
import { initRoot } from './init.js';

const MARKER = '.kfm-demo';

/** Only a folder the demo made itself (or an empty one) is ever wiped. */
function freshDemoRoot(root: string): void {
  if (!existsSync(root)) return;
  if (existsSync(join(root, MARKER))) rmSync(root, { recursive: true, force: true });
  else if (readdirSync(root).length > 0) {
    throw new KfmError(
      'USAGE',
      `${root} exists and is not a kfm demo root; pass --root <empty or new folder>`,
      {
        details: { file: root },
      },
    );
  }
}

const EXAMPLES = ['ks_mesonet_stations', 'ks_county_population', 'ks_archaeological_sites'] as const;

/** The whole truth path for an example connector: ingest → transform (if any) → validate → promote. */
async function runExample(datasetId: string, paths: Paths): Promise<string> {
  const env = {
    root: paths.root,
    ledger: paths.ledger,
    projectRoot: PACKAGE_ROOT,
    stderr: () => {},
    env: process.env,
  };
  // The examples are not windowed: their ingest always starts a run, never answers up to date.
  const stage = async (...args: Parameters<typeof stageRequest>) =>
    (await runStage(stageRequest(...args), env)) as StageOutcome;
  const ingest = await stage('ingest', datasetId, {});
  const steps = [`ingest ${ingest.status} (${ingest.captured} captured)`];
  const connector = await loadConnector(PACKAGE_ROOT, datasetId);
  if (connector.transform !== undefined) {
    const t = await stage('transform', datasetId, { run_id: ingest.run_id });
    steps.push(`transform ${t.status} (${(t.transforms as string[]).join(', ')})`);
  }
  const v = await stage('validate', datasetId, { run_id: ingest.run_id });
  steps.push(`validate ${v.status} (${v.checks} checks)`);
  const p = await stage('promote', datasetId, { run_id: ingest.run_id });
  steps.push(`promote ${p.status} → ${p.version_id}`);
  return `${datasetId.padEnd(25)} run ${ingest.run_id}: ${steps.join(' → ')}`;
}

export function runDemo(options: GlobalOptions): CommandRun {
  return async (io) => {
    const root = resolve(options.root ?? 'demo-root');
    freshDemoRoot(root);
    const rootOptions = { ...options, root, json: false };
    await initRoot(rootOptions)({ ...io, stdout: () => {} });
    const paths = resolvePaths(rootOptions, { creating: true });
    // A ledger outside the root (--ledger, KFM_LEDGER_URL) is not wiped with it: it must start empty.
    const before = await withLedger(paths.ledger, { readOnly: true }, async (ledger) => ({
      target: ledger.target,
      head: await ledger.head(),
    }));
    if (before.head.seq > 0) {
      throw new KfmError(
        'USAGE',
        `the demo records into an empty ledger, but ${before.target} already has ${before.head.seq} events: give --ledger an empty database or file, or omit it`,
        { details: { ledger: before.target, head: before.head } },
      );
    }
    writeFileSync(join(root, MARKER), 'made by `kfm demo`; the next demo run may wipe this folder\n');
    for (const id of EXAMPLES) {
      copyFileSync(
        join(PACKAGE_ROOT, 'data', 'registry', `${id}.yml`),
        join(root, 'data', 'registry', `${id}.yml`),
      );
    }
    io.stdout(`demo root ${root}\n`);
    for (const id of EXAMPLES) io.stdout(`  ${await runExample(id, paths)}\n`);
    const report = await withLedger(paths.ledger, { readOnly: true }, (ledger) => ledger.verifyChain());
    io.stdout(
      `verified  ${report.events} events, ${report.ok ? 'chain intact' : 'CHAIN BROKEN'}; head ${report.head.seq}:${report.head.hash}\n`,
    );
    io.stdout(
      `versions  ${root}/data/processed/<dataset_id>/<version_id>/   catalogs ${root}/data/catalog/\n`,
    );
    io.stdout(`next      kfm --root ${root} log   |   kfm --root ${root} verify\n`);
    return report.ok ? EXIT.ok : EXIT.integrity;
  };
}

export function registerDemo(program: Command, cli: Cli): void {
  program
    .command('demo')
    .description(COMMAND_SUMMARIES.demo.description)
    .action(() => cli.run(runDemo(cli.globals())));
}
