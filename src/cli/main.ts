import { type Command, CommanderError } from 'commander';
import { EXIT, type ExitCode, KfmError } from '../errors.js';
import type { CommandRun, Io } from './io.js';
import { buildProgram } from './program.js';

/**
 * The only place that turns errors into messages and exit codes (docs/design.md, "CLI conventions"):
 * a KfmError carries its own; commander's usage errors are 2; anything else is unexpected.
 */
export function main(argv: string[], io: Io): Promise<ExitCode> {
  return runCli(argv, io, buildProgram);
}

/** Runs a commander program built around our one command runner (the kfm CLI, or a connector runner). */
export async function runCli(
  argv: string[],
  io: Io,
  build: (run: (command: CommandRun) => Promise<void>, argv: readonly string[]) => Command | Promise<Command>,
): Promise<ExitCode> {
  let exitCode: ExitCode = EXIT.ok;
  const program = await build(async (command) => {
    exitCode = await command(io);
  }, argv);
  routeThroughMain(program, io);
  const wantsJson = argv.includes('--json');
  const debug = argv.includes('--debug');
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version end parsing by throwing too; commander has already printed them.
      if (error.exitCode === 0 || error.code === 'commander.help') {
        return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
      }
      return reportError(io, usageError(error, helpCommand(program, argv)), wantsJson, debug);
    }
    return reportError(io, error, wantsJson, debug);
  }
}

/**
 * Subcommands copy their parent's settings when they are created, so settings made after
 * `buildProgram` must reach each one: otherwise commander exits a usage error inside a command
 * (`kfm verify --bogus`) with its own process.exit(1), which reads as an integrity failure.
 */
function routeThroughMain(command: Command, io: Io): void {
  command.exitOverride();
  // Commander's parse errors are reported by reportError in the project's form, not printed here.
  command.configureOutput({ writeOut: io.stdout, writeErr: io.stderr, outputError: () => {} });
  for (const sub of command.commands) routeThroughMain(sub, io);
}

function reportError(io: Io, error: unknown, json: boolean, debug: boolean): ExitCode {
  const known = error instanceof KfmError ? error : systemError(error);
  if (json) {
    io.stdout(`${JSON.stringify({ code: known.code, message: known.message, details: known.details })}\n`);
  } else {
    io.stderr(`kfm: ${known.message} [${known.code}]\n`);
  }
  if (debug) io.stderr(`${(error as Error)?.stack ?? String(error)}\n`);
  else if (!(error instanceof KfmError)) io.stderr('kfm: run again with --debug for the stack trace\n');
  return known.exitCode;
}

/**
 * A commander parse error (unknown command or option, missing argument, bad choice) as a USAGE
 * KfmError: `error: unknown command 'vrify'\n(Did you mean verify?)` becomes `unknown command 'vrify'
 * (did you mean verify?); see ${help}`, with commander's code and suggestion in the details.
 */
function usageError(error: CommanderError, help: string): KfmError {
  const [first = '', ...rest] = error.message.replace(/^error: /, '').split('\n');
  const suggestion = /^\(Did you mean (.+)\?\)$/.exec(rest.join(' ').trim())?.[1];
  const hint = suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`;
  return new KfmError('USAGE', `${first.replace(/\.$/, '')}${hint}; see ${help}`, {
    details: { commander_code: error.code, ...(suggestion === undefined ? {} : { suggestion }) },
  });
}

/** `kfm verify --help` for an error inside `kfm verify`, else `kfm --help`. */
function helpCommand(program: Command, argv: readonly string[]): string {
  const sub = program.commands.find((c) => argv.includes(c.name()));
  return [program.name(), ...(sub === undefined ? [] : [sub.name()]), '--help'].join(' ');
}

/** Errors that escaped as plain Node/SQLite errors are I/O failures; name what we know. */
function systemError(error: unknown): KfmError {
  const e = error as NodeJS.ErrnoException;
  const where = e?.path ? ` (${e.path})` : '';
  return new KfmError('IO', `${e?.message ?? String(error)}${where}`, {
    details: { ...(e?.code ? { errno_code: e.code } : {}), ...(e?.path ? { file: e.path } : {}) },
  });
}
