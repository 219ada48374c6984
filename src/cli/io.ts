import { resolve } from 'node:path';
import type { ExitCode } from '../errors.js';
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
