import { resolve } from 'node:path';
import { type ExitCode, KfmError } from '../errors.js';
import { isLedgerUrl } from '../ledger/ledger-door.js';
import { findRoot } from './find-root.js';
import { tableWidth } from './human-table.js';

/** Where a command writes: stdout for results (JSON with --json), stderr for people. */
export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  stdin: NodeJS.ReadableStream;
  isTTY: boolean;
  /** The terminal's width when stdout is a terminal: human tables fit it (human-table.ts). */
  stdoutColumns?: number;
  /** The terminal's width when stderr is a terminal: a progress line must not wrap. */
  stderrColumns?: number;
}

export interface GlobalOptions {
  root?: string;
  ledger?: string;
  json?: boolean;
  debug?: boolean;
  /** Human tables show every cell in full, however wide the terminal. */
  wide?: boolean;
}

/** The global options every entry point takes (`kfm`, the connector runners), as commander adds them. */
export const ROOT_OPTION = [
  '--root <dir>',
  'the KFM root holding data/ and ledger/ (default: the nearest folder up from here with data/registry/ or ledger/kfm.sqlite, else $KFM_ROOT, else the current folder)',
] as const;
export const LEDGER_OPTION = [
  '--ledger <path|url>',
  'the ledger: an SQLite file, sqlite:<path> or postgres://… (default: $KFM_LEDGER_URL, else <root>/ledger/kfm.sqlite)',
] as const;

export interface Paths {
  root: string;
  /** The ledger as openLedger takes it: an SQLite file's absolute path, or a URL as given. */
  ledger: string;
}

/**
 * The root (see find-root.ts for the search order) and its ledger: `--ledger` (a path or a URL),
 * else KFM_LEDGER_URL, else <root>/ledger/kfm.sqlite. A path is resolved against the working folder.
 */
export function resolvePaths(
  options: GlobalOptions,
  { creating = false, env = process.env }: { creating?: boolean; env?: NodeJS.ProcessEnv } = {},
): Paths {
  const root = findRoot({ root: options.root, cwd: process.cwd(), env, creating });
  const given = options.ledger ?? (env.KFM_LEDGER_URL === '' ? undefined : env.KFM_LEDGER_URL);
  const ledger =
    given === undefined ? resolve(root, 'ledger', 'kfm.sqlite') : isLedgerUrl(given) ? given : resolve(given);
  return { root, ledger };
}

export type CommandRun = (io: Io) => Promise<ExitCode>;

/** An instant as `Date.parse` reads it unambiguously: a date, a time and an offset (`Z` or ±hh:mm). */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** The `--help` of the commands that use clockNow. */
export const RELATIVE_TIMES_HELP =
  '\nRelative times ("27 min ago") are measured from the clock, or from KFM_NOW=<ISO-8601 instant>\n(e.g. 2026-01-01T12:00:00Z) when it is set, so the output can be reproduced.';

/**
 * The instant `kfm runs`, `versions`, `show` and `lineage` measure from ("27 min ago", an --as-of
 * in the future): `KFM_NOW` (an ISO-8601 instant) when set, so their output can be reproduced
 * (tests, documentation); else the clock.
 */
export function clockNow(env: NodeJS.ProcessEnv = process.env): number {
  const fixed = env.KFM_NOW;
  if (fixed === undefined || fixed === '') return Date.now();
  const ms = Date.parse(fixed);
  if (!INSTANT.test(fixed) || Number.isNaN(ms)) {
    throw new KfmError(
      'USAGE',
      `KFM_NOW=${fixed}: expected an ISO-8601 instant with its offset, e.g. 2026-01-01T12:00:00Z (or unset it for the clock)`,
      { details: { KFM_NOW: fixed } },
    );
  }
  return ms;
}

/** The width the command's human tables must fit (see tableWidth). */
export function humanWidth(options: GlobalOptions, io: Io): number {
  return tableWidth(options, process.env, io.stdoutColumns);
}

export function writeJson(io: Io, value: unknown): void {
  io.stdout(`${JSON.stringify(value)}\n`);
}

/** What every command registration gets: the parsed global options and the one runner. */
export interface Cli {
  globals(): GlobalOptions;
  run(command: CommandRun): Promise<void>;
}

export function processIo(): Io {
  // `kfm log | head` closes the pipe early: end quietly, as Unix tools do on SIGPIPE.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    // A getter: process.stdin builds its stream (and loads node:net) on first use, which only
    // commands reading input should pay for.
    get stdin() {
      return process.stdin;
    },
    isTTY: Boolean(process.stderr.isTTY),
    ...(process.stdout.isTTY ? { stdoutColumns: process.stdout.columns } : {}),
    ...(process.stderr.isTTY ? { stderrColumns: process.stderr.columns } : {}),
  };
}
