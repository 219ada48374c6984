import { Command, Help, Option } from 'commander';
import { TOOL_VERSION } from '../tool-info.js';
import { COMMAND_SUMMARIES } from './command-summaries.js';
import { type Cli, type CommandRun, type GlobalOptions, LEDGER_OPTION, ROOT_OPTION } from './io.js';

export const EXIT_CODES_HELP = `
Exit codes:
  0  ok
  1  integrity failure (verify found tampering or drift)
  2  usage or invalid input (nothing written)
  3  gate denied (validation failed / promotion denied; recorded in the ledger)
  4  upstream or I/O failure`;

type Register = (program: Command, cli: Cli) => void;

/**
 * Every command, loaded on demand: a command's module pulls in what it needs (the catalog schemas,
 * the YAML and CSV parsers …), and `kfm head` should not pay for `kfm promote`'s imports. Several
 * names may share one module (the stages). Help without a command lists COMMAND_SUMMARIES instead.
 */
const COMMANDS: { [Name in keyof typeof COMMAND_SUMMARIES]: () => Promise<Register> } = {
  init: async () => (await import('./commands/init.js')).registerInit,
  append: async () => (await import('./commands/append.js')).registerAppend,
  verify: async () => (await import('./commands/verify.js')).registerVerify,
  head: async () => (await import('./commands/head.js')).registerHead,
  log: async () => (await import('./commands/log.js')).registerLog,
  'spec-hash': async () => (await import('./commands/spec-hash.js')).registerSpecHash,
  registry: async () => (await import('./commands/registry.js')).registerRegistry,
  ingest: async () => (await import('./commands/stage.js')).registerStages,
  transform: async () => (await import('./commands/stage.js')).registerStages,
  validate: async () => (await import('./commands/stage.js')).registerStages,
  promote: async () => (await import('./commands/stage.js')).registerStages,
  backfill: async () => (await import('./commands/stage.js')).registerStages,
  replay: async () => (await import('./commands/replay.js')).registerReplay,
  recover: async () => (await import('./commands/recover.js')).registerRecover,
  versions: async () => (await import('./commands/versions.js')).registerVersions,
  profile: async () => (await import('./commands/profile.js')).registerProfile,
  diff: async () => (await import('./commands/diff.js')).registerDiff,
  runs: async () => (await import('./commands/runs.js')).registerRuns,
  show: async () => (await import('./commands/show.js')).registerShow,
  lineage: async () => (await import('./commands/lineage.js')).registerLineage,
  openlineage: async () => (await import('./commands/openlineage.js')).registerOpenLineage,
  prov: async () => (await import('./commands/prov.js')).registerProv,
  demo: async () => (await import('./commands/demo.js')).registerDemo,
  serve: async () => (await import('./commands/serve.js')).registerServe,
  token: async () => (await import('./commands/token.js')).registerToken,
  migrate: async () => (await import('./commands/migrate.js')).registerMigrate,
  key: async () => (await import('./commands/key.js')).registerKey,
  'verify-proof': async () => (await import('./commands/verify-proof.js')).registerVerifyProof,
  checkpoint: async () => (await import('./commands/checkpoint.js')).registerCheckpoint,
  prove: async () => (await import('./commands/prove.js')).registerProve,
  bundle: async () => (await import('./commands/bundle.js')).registerBundle,
  'verify-bundle': async () => (await import('./commands/bundle.js')).registerBundle,
  export: async () => (await import('./commands/copy.js')).registerCopy,
  import: async () => (await import('./commands/copy.js')).registerCopy,
  schema: async () => (await import('./commands/schema.js')).registerSchema,
  connector: async () => (await import('./commands/connector.js')).registerConnector,
};

/** Global options that take a value: their value is not the command name. */
const VALUED_GLOBALS = new Set(['--root', '--ledger']);

/**
 * The command named on the command line (`kfm help <command>` names it too), if it is one of ours;
 * undefined for plain help, an unknown command and the like.
 */
export function commandNameOf(argv: readonly string[]): keyof typeof COMMANDS | undefined {
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (VALUED_GLOBALS.has(arg)) i++;
    else if (arg === 'help' && !help) help = true;
    else if (!arg.startsWith('-'))
      return Object.hasOwn(COMMANDS, arg) ? (arg as keyof typeof COMMANDS) : undefined;
  }
  return undefined;
}

/**
 * The commands of plain help (or of an unknown command, for commander's suggestion): each one's
 * name and summary, shown as the real command would be, with none of its code loaded.
 */
function addSummaries(program: Command): void {
  for (const [name, { description }] of Object.entries(COMMAND_SUMMARIES)) {
    program.command(name).description(description);
  }
  const usageOf = (name: string) =>
    (COMMAND_SUMMARIES as Record<string, { usage: string } | undefined>)[name]?.usage;
  program.configureHelp({
    subcommandTerm: (command) => {
      const usage = usageOf(command.name());
      if (usage === undefined) return Help.prototype.subcommandTerm.call(new Help(), command);
      return usage === '' ? command.name() : `${command.name()} ${usage}`;
    },
  });
}

/**
 * Builds the `kfm` program with the command `argv` names (only the summaries for help or an
 * unknown command, nothing to print the version); `run` receives each command's work so main.ts
 * owns errors and exit.
 */
export async function buildProgram(
  run: (command: CommandRun) => Promise<void>,
  argv: readonly string[] = [],
): Promise<Command> {
  const program = new Command('kfm')
    .description('kfm-ledger: hash-chained lineage ledger for governed dataset connectors')
    .version(TOOL_VERSION)
    .option(...ROOT_OPTION)
    .option(...LEDGER_OPTION)
    .option('--json', 'machine-readable output on stdout')
    .option(
      '--wide',
      'human tables in full: otherwise they fit $COLUMNS, or the terminal (80 at least), eliding ids, hashes and paths in the middle',
    )
    .addOption(new Option('--debug', 'show stack traces of errors'))
    .addHelpText('after', EXIT_CODES_HELP);
  const named = commandNameOf(argv);
  if (named !== undefined) {
    const register = await COMMANDS[named]();
    register(program, { globals: () => program.opts<GlobalOptions>(), run });
  } else if (!argv.includes('--version') && !argv.includes('-V')) {
    addSummaries(program);
  }
  return program;
}
