import type { Command } from 'commander';
import { EXIT, KfmError } from '../../errors.js';
import { loadTokens, TOKENS_ENV } from '../../serve/load-tokens.js';
import { jsonLinesLog } from '../../serve/serve-log.js';
import { startServer } from '../../serve/server.js';
import { COMMAND_SUMMARIES } from '../command-summaries.js';
import { type Cli, type CommandRun, type GlobalOptions, resolvePaths, writeJson } from '../io.js';

export interface ServeCommandOptions {
  host?: string;
  port?: number;
  tokens?: string;
}

/** What the command waits on: SIGTERM or SIGINT (a test passes its own emitter). */
export interface StopSignals {
  once(signal: 'SIGTERM' | 'SIGINT', listener: () => void): unknown;
  off(signal: 'SIGTERM' | 'SIGINT', listener: () => void): unknown;
}

/**
 * `kfm serve`: the governed read API until SIGTERM/SIGINT, then a graceful stop — no new
 * connections, in-flight responses finish, the ledger closes — and exit 0. The URL goes to stdout
 * (`{url}` with --json) once the server listens, so a supervisor or test can wait for it; the
 * structured log goes to stderr.
 */
export function runServe(
  options: GlobalOptions & ServeCommandOptions,
  signals: StopSignals = process,
): CommandRun {
  return async (io) => {
    const paths = resolvePaths(options);
    const tokens = loadTokens({
      ...(options.tokens === undefined ? {} : { file: options.tokens }),
      ...(process.env[TOKENS_ENV] === undefined ? {} : { env: process.env[TOKENS_ENV] }),
    });
    // Listen for the stop signal first: a SIGTERM during start-up also ends in a graceful stop.
    const stop = stopSignal(signals);
    const log = jsonLinesLog(io.stderr);
    let running: Awaited<ReturnType<typeof startServer>>;
    try {
      running = await startServer({
        root: paths.root,
        ledger: paths.ledger,
        host: options.host ?? '127.0.0.1',
        port: options.port ?? 8080,
        tokens,
        log,
      });
    } catch (error) {
      stop.cancel();
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL')
        throw new KfmError(
          'USAGE',
          `cannot listen on ${options.host ?? '127.0.0.1'}:${options.port ?? 8080} (${code}); pick another --host or --port`,
        );
      throw error;
    }
    if (options.json) writeJson(io, { url: running.url });
    else
      io.stdout(
        `kfm serve: listening on ${running.url} (SIGTERM or Ctrl-C stops it); lineage page ${running.url}/ui/\n`,
      );
    const signal = await stop.signal;
    log('info', 'stopping', { signal });
    await running.close();
    return EXIT.ok;
  };
}

function stopSignal(signals: StopSignals): { signal: Promise<string>; cancel(): void } {
  let cancel = () => {};
  const signal = new Promise<string>((resolve) => {
    const onTerm = () => stop('SIGTERM');
    const onInt = () => stop('SIGINT');
    const stop = (name: string) => {
      cancel();
      resolve(name);
    };
    cancel = () => {
      signals.off('SIGTERM', onTerm);
      signals.off('SIGINT', onInt);
    };
    signals.once('SIGTERM', onTerm);
    signals.once('SIGINT', onInt);
  });
  return { signal, cancel };
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535)
    throw new KfmError('USAGE', `--port ${value}: expected 0-65535 (0: any free port)`);
  return port;
}

export function registerServe(program: Command, cli: Cli): void {
  program
    .command('serve')
    .description(COMMAND_SUMMARIES.serve.description)
    .option('--host <host>', 'address to listen on (default 127.0.0.1)')
    .option('--port <port>', 'port to listen on, 0 for any free one (default 8080)', parsePort)
    .option(
      '--tokens <file>',
      `bearer tokens as salted hashes, JSON or YAML (also: env ${TOKENS_ENV}); see \`kfm token create\``,
    )
    .addHelpText(
      'after',
      '\nOpen <url>/ui/ in a browser for the lineage page. Stops gracefully on SIGTERM or SIGINT\n(in-flight responses finish), then exits 0.',
    )
    .action((opts: ServeCommandOptions) => cli.run(runServe({ ...cli.globals(), ...opts })));
}
