import type { Command } from 'commander';
import { EXIT, KfmError } from '../../errors.js';
import { parseStrictJson } from '../../events/strict-json.js';
import { appendExtensionEvents } from '../../ledger/append-extension-events.js';
import { COMMAND_SUMMARIES } from '../command-summaries.js';
import { type Cli, type CommandRun, type GlobalOptions, resolvePaths, writeJson } from '../io.js';
import { withLedger } from '../ledger-access.js';
import { type InputText, readInput } from '../read-input.js';

export interface AppendOptions {
  file?: string;
  connector?: string;
}

const LINE_SHAPE =
  'each line must be one JSON object {"type": "x.<namespace>.<name>", "dataset_id", "run_id", "payload"}';

/**
 * Parses JSON Lines into drafts, remembering each draft's line so errors can name it. Each line is
 * read as I-JSON (strict-json.ts): a repeated name or an integer a double cannot hold is refused
 * rather than silently changed on its way into the hash.
 */
export function parseJsonLines(input: InputText): { drafts: unknown[]; lines: number[] } {
  const drafts: unknown[] = [];
  const lines: number[] = [];
  input.text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return;
    const parsed = parseStrictJson(raw);
    if (!parsed.ok) {
      const { problem, message, path, column } = parsed.issue;
      const shape = problem === 'SYNTAX' ? `; ${LINE_SHAPE}` : '';
      throw new KfmError(
        'INVALID_INPUT',
        `${input.source} line ${i + 1} column ${column}: ${path}: ${message}${shape}; nothing was appended`,
        { details: { file: input.source, line: i + 1, column, path, problem } },
      );
    }
    drafts.push(parsed.value);
    lines.push(i + 1);
  });
  return { drafts, lines };
}

export function appendEventsFromInput(options: GlobalOptions & AppendOptions): CommandRun {
  return async (io) => {
    const paths = resolvePaths(options);
    const input = await readInput(io, options.file);
    const { drafts, lines } = parseJsonLines(input);
    if (drafts.length === 0) {
      throw new KfmError('INVALID_INPUT', `${input.source}: no events to append; ${LINE_SHAPE}`, {
        details: { file: input.source },
      });
    }
    const result = await withLedger(paths.ledger, withConnector(options.connector), async (ledger) => {
      try {
        return await appendExtensionEvents(ledger, drafts);
      } catch (error) {
        throw locate(error, input.source, lines);
      }
    });
    if (options.json) writeJson(io, { appended: result.events.length, head: result.head });
    else {
      io.stdout(`appended ${result.events.length} event(s), seq ${result.first_seq}..${result.last_seq}\n`);
      io.stdout(`head seq ${result.head.seq} hash ${result.head.hash}\n`);
    }
    return EXIT.ok;
  };
}

function withConnector(connector: string | undefined): { connector?: string } {
  return connector === undefined ? {} : { connector };
}

/** Rewrites an error about the N-th draft to name the input line it came from. */
function locate(error: unknown, source: string, lines: number[]): unknown {
  if (!(error instanceof KfmError) || typeof error.details.index !== 'number') return error;
  const line = lines[error.details.index];
  return new KfmError(error.code, `${source} line ${line}: ${error.message}; nothing was appended`, {
    details: { ...error.details, file: source, line },
  });
}

export function registerAppend(program: Command, cli: Cli): void {
  program
    .command('append')
    .description(COMMAND_SUMMARIES.append.description)
    .option('--file <path>', 'read events from this file instead of stdin ("-" is stdin)')
    .option('--connector <name>', 'record this connector as the actor of the events')
    .action((opts: AppendOptions) => cli.run(appendEventsFromInput({ ...cli.globals(), ...opts })));
}
