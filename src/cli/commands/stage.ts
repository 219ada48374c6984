import type { Command } from 'commander';
import { Option } from 'commander';
import type { UpToDate } from '../../contract/backfill/ingest-window.js';
import { formatDuration } from '../../contract/backfill/progress.js';
import { runStage, type StageOutcome } from '../../contract/run-stage.js';
import { stageRequest } from '../../contract/stage-request.js';
import { SEED_FLAGS, type SeedFlags, type Stage } from '../../contract/stage-types.js';
import { STAGE_NAMES, STAGES } from '../../contract/stages/index.js';
import { PACKAGE_ROOT } from '../../tool-info.js';
import { COMMAND_SUMMARIES } from '../command-summaries.js';
import { type Cli, type CommandRun, type GlobalOptions, type Io, resolvePaths, writeJson } from '../io.js';

/** Where a moved zone may go (contract/zone-record.ts). */
const ZONE_RULE = ': a folder inside the root; the first run of a dataset fixes it for the later ones';

const FLAG_HELP: Record<keyof SeedFlags, [string, string]> = {
  dataset_id: ['--dataset_id <id>', 'dataset registry key (instead of the argument)'],
  run_id: [
    '--run_id <id>',
    'the run: ingest creates it (a ULID unless given), later stages continue it until a promote completes (then RUN_CLOSED)',
  ],
  spec: [
    '--spec <path>',
    'governed run spec (JSON/YAML); spec_hash = sha256(JCS(spec)); default: the effective arguments',
  ],
  since: ['--since <iso>', 'start of the time window (inclusive)'],
  until: ['--until <iso>', 'end of the time window (exclusive)'],
  config: [
    '--config <path>',
    'connector config (JSON/YAML); {"upstream": {"uri": …}} overrides the registry for this run',
  ],
  raw_dir: ['--raw_dir <path>', `raw zone root (default <root>/data/raw)${ZONE_RULE}`],
  work_dir: ['--work_dir <path>', `work zone root (default <root>/data/work)${ZONE_RULE}`],
  processed_dir: [
    '--processed_dir <path>',
    `processed zone root (default <root>/data/processed)${ZONE_RULE}`,
  ],
  emit_catalogs: [
    '--emit_catalogs',
    'emit DCAT, STAC (spatial) and PROV; the Promotion Contract requires catalogs, so promote always emits them',
  ],
  dryRun: ['--dry-run', 'append nothing, write only data/work/<id>/runs/<run_id>/dry_run.json: the plan'],
  log_json: ['--log_json', 'structured JSON Lines logs on stderr'],
  batch: ['--batch <duration>', 'window length, an ISO-8601 duration: P1D (default), PT6H, P7D …'],
  baseUrl: [
    '--base-url <url>',
    "public URL of the governed API for catalog links, recorded with the version (default: the dataset's last one, else http://127.0.0.1:8080)",
  ],
  wait: [
    '--wait <seconds>',
    'wait this long for another stage of the dataset to end (default 30), then exit 2 DATASET_BUSY',
  ],
};

/** Adds the seed's flags: the stage's own visibly, the others hidden so they are refused by name. */
export function addStageOptions(command: Command, stage: Stage): Command {
  for (const flag of SEED_FLAGS) {
    const [flags, description] = FLAG_HELP[flag];
    const option = new Option(flags, description);
    if (!STAGES[stage].flags.includes(flag)) option.hideHelp();
    command.addOption(option);
  }
  return command;
}

export function runStageCommand(
  stage: Stage,
  datasetId: string | undefined,
  flags: SeedFlags,
  options: GlobalOptions,
): CommandRun {
  return async (io) => {
    const request = stageRequest(stage, datasetId, flags);
    const paths = resolvePaths(options);
    const outcome = await runStage(request, {
      root: paths.root,
      ledger: paths.ledger,
      projectRoot: PACKAGE_ROOT,
      stderr: io.stderr,
      env: process.env,
      isTTY: io.isTTY && !options.json,
      ...(io.stderrColumns === undefined ? {} : { columns: io.stderrColumns }),
    });
    if (options.json) writeJson(io, outcome);
    else printOutcome(io, outcome);
    // The OpenLineage module is loaded only where the setting asks for it.
    if (stage === 'promote' && outcome.status !== 'planned' && process.env.KFM_OPENLINEAGE_URL)
      await (await import('./openlineage.js')).emitAfterPromote(options, process.env, io);
    const key = process.env.KFM_SIGNING_KEY;
    if (stage === 'promote' && outcome.status === 'succeeded' && key)
      await (await import('./checkpoint.js')).checkpointAfterPromote(options, key, io);
    return outcome.exit;
  };
}

function printOutcome(io: Io, o: StageOutcome | UpToDate): void {
  if (o.status === 'up_to_date') {
    io.stdout(
      `ingest ${o.dataset_id}: up to date (the cursor is at ${o.since}, the last whole step ends at ${o.until}); nothing appended\n`,
    );
    return;
  }
  if (o.stage === 'backfill' && o.status === 'planned') {
    io.stdout(`${backfillPlanLine(o)}\n`);
    return;
  }
  const seq = o.seq === null ? 'nothing appended' : `seq ${o.seq.first}..${o.seq.last}`;
  io.stdout(`${o.stage} ${o.dataset_id} run ${o.run_id}: ${o.status} (${seq})\n`);
  const shown = new Set([
    'run_id',
    'dataset_id',
    'stage',
    'status',
    'seq',
    'exit',
    'receipts',
    'plan',
    'reasons',
  ]);
  for (const [key, value] of Object.entries(o)) {
    if (!shown.has(key))
      io.stdout(`  ${key}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}\n`);
  }
  if (o.status === 'planned') io.stdout(`${JSON.stringify(o.plan, null, 2)}\n`);
  for (const reason of (o.reasons as { code: string; message: string }[] | undefined) ?? []) {
    io.stdout(`  DENIED ${reason.code}: ${reason.message}\n`);
  }
  for (const receipt of o.receipts) io.stdout(`  receipt: data/work/${receipt}\n`);
}

/**
 * A backfill's --dry-run for people: one line with what it would do; `--json` and the dry_run.json
 * it names have the whole plan, window by window.
 */
export function backfillPlanLine(o: StageOutcome): string {
  const plan = o.plan as {
    since: string;
    until: string;
    batch: string;
    windows: number;
    already_completed: { windows: number }[];
    expected_requests: number;
    rate_limit: number | null;
    estimated_seconds: number | null;
  };
  const already = plan.already_completed.reduce((sum, s) => sum + s.windows, 0);
  const time =
    plan.rate_limit === null || plan.estimated_seconds === null
      ? 'no rate limit'
      : `≈ ${formatDuration(plan.estimated_seconds)} at ${plan.rate_limit} requests/s`;
  return [
    `backfill ${o.dataset_id} dry run: ${plan.windows} window(s) of ${plan.batch} to do in ${plan.since}..${plan.until}`,
    `${already} already completed`,
    `${plan.expected_requests} request(s), ${time}`,
    `nothing appended; the plan is in data/work/${o.receipts[0]}`,
  ].join(', ');
}

export function registerStages(program: Command, cli: Cli): void {
  for (const stage of STAGE_NAMES) {
    const command = program
      .command(stage)
      .description(COMMAND_SUMMARIES[stage].description)
      .argument('[dataset_id]', 'dataset registry key (data/registry/<dataset_id>.yml)');
    addStageOptions(command, stage).action((datasetId: string | undefined, flags: SeedFlags) =>
      cli.run(runStageCommand(stage, datasetId, flags, cli.globals())),
    );
  }
}
