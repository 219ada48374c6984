import { CommanderError } from 'commander';
import { EXIT, type ExitCode, KfmError } from '../errors.js';
import type { Io } from './io.js';
import { buildProgram } from './program.js';

/**
 * The only place that turns errors into messages and exit codes (DESIGN.md, "CLI conventions"):
 * a KfmError carries its own; commander's usage errors are 2; anything else is unexpected.
 */
export async function main(argv: string[], io: Io): Promise<ExitCode> {
  let exitCode: ExitCode = EXIT.ok;
  const program = buildProgram(async (command) => {
    exitCode = await command(io);
  });
  program.exitOverride();
  program.configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
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
