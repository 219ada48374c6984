import { type Command, CommanderError } from 'commander';
import { EXIT, type ExitCode, KfmError } from '../errors.js';
import type { CommandRun, Io } from './io.js';
import { buildProgram } from './program.js';

/**
 * The only place that turns errors into messages and exit codes (DESIGN.md, "CLI conventions"):
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
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
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
  command.configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
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

/** Errors that escaped as plain Node/SQLite errors are I/O failures; name what we know. */
function systemError(error: unknown): KfmError {
  const e = error as NodeJS.ErrnoException;
  const where = e?.path ? ` (${e.path})` : '';
  return new KfmError('IO', `${e?.message ?? String(error)}${where}`, {
    details: { ...(e?.code ? { errno_code: e.code } : {}), ...(e?.path ? { file: e.path } : {}) },
  });
}
