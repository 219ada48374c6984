import { copyFileSync, existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import type { Command } from 'commander';
import { loadConnector } from '../../contract/load-connector.js';
import { runStage, type StageOutcome } from '../../contract/run-stage.js';
import { stageRequest } from '../../contract/stage-request.js';
import { EXIT, KfmError } from '../../errors.js';
import { parseLedgerTarget } from '../../ledger/ledger-door.js';
import { PACKAGE_ROOT } from '../../tool-info.js';
import { COMMAND_SUMMARIES } from '../command-summaries.js';
import { type Cli, type CommandRun, type GlobalOptions, type Paths, resolvePaths } from '../io.js';
import { withLedger } from '../ledger-access.js';
import { initRoot } from './init.js';

const MARKER = '.kfm-demo';

/**
 * Whether the root must be wiped first (a folder the demo made itself); refuses a folder that has
 * anything else in it. Only reads: the demo writes nothing until every check has passed.
 */
function demoRootToWipe(root: string): boolean {
  if (!existsSync(root)) return false;
  if (existsSync(join(root, MARKER))) return true;
  if (readdirSync(root).length > 0) {
    throw new KfmError(
      'USAGE',
      `${root} exists and is not a kfm demo root; pass --root <empty or new folder>`,
      {
        details: { file: root },
      },
    );
  }
  return false;
}

/**
 * Refuses a ledger outside the root (--ledger, KFM_LEDGER_URL) that already has events: it is not
 * wiped with the root, and the demo must start from an empty one. Read-only: a file that does not
 * exist yet and a database kfm has not set up are empty, and are left as they are.
 */
async function requireEmptyLedger(ledger: string, root: string): Promise<void> {
  const target = parseLedgerTarget(ledger);
  if (target.backend === 'sqlite' && (target.path.startsWith(`${root}${sep}`) || !existsSync(target.path)))
    return;
  const before = await withLedger(ledger, { readOnly: true }, async (door) => ({
    target: door.target,
    head: await door.head(),
  })).catch((error: unknown) => {
    // A PostgreSQL database without kfm's tables: the demo's init creates them.
    if (target.backend === 'postgres' && error instanceof KfmError && error.code === 'LEDGER_UNREADABLE')
      return null;
    throw error;
  });
  if (before === null || before.head.seq === 0) return;
  throw new KfmError(
    'USAGE',
    `the demo records into an empty ledger, but ${before.target} already has ${before.head.seq} events: give --ledger an empty database or file, or omit it`,
    { details: { ledger: before.target, head: before.head } },
  );
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
    const rootOptions = { ...options, root, json: false };
    const paths = resolvePaths(rootOptions, { creating: true });
    const wipe = demoRootToWipe(root);
    await requireEmptyLedger(paths.ledger, root);
    if (wipe) rmSync(root, { recursive: true, force: true });
    await initRoot(rootOptions)({ ...io, stdout: () => {} });
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
