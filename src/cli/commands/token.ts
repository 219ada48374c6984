import type { Command } from 'commander';
import { EXIT, KfmError } from '../../errors.js';
import { TOKENS_ENV } from '../../serve/load-tokens.js';
import { createToken, ROLE_PATTERN, TOKEN_ID_PATTERN } from '../../serve/tokens.js';
import { COMMAND_SUMMARIES } from '../command-summaries.js';
import { type Cli, type CommandRun, type GlobalOptions, writeJson } from '../io.js';

export interface TokenCreateOptions {
  role: string[];
  id?: string;
}

/**
 * `kfm token create`: a new random API token, printed once, and the salted-hash record the server
 * is configured with. Nothing is written anywhere: the operator adds the record to the tokens file
 * and hands the token to the client, so no file ever holds the token in clear.
 */
export function createApiToken(options: GlobalOptions & TokenCreateOptions): CommandRun {
  return async (io) => {
    const { token, record } = createToken(options.role, options.id);
    if (options.json) {
      writeJson(io, { token, record });
      return EXIT.ok;
    }
    io.stdout(`token   ${token}\n`);
    io.stdout(`record  ${JSON.stringify(record)}\n`);
    io.stderr(
      `kfm: the token is shown only this once; give it to the client (Authorization: Bearer <token>).\n` +
        `kfm: add the record to the tokens file of \`kfm serve --tokens <file>\` (a JSON or YAML list) or to ${TOKENS_ENV}.\n`,
    );
    return EXIT.ok;
  };
}

function collectRole(value: string, previous: string[] = []): string[] {
  if (!ROLE_PATTERN.test(value))
    throw new KfmError(
      'USAGE',
      `--role ${value}: roles are lowercase policy labels, e.g. cultural-resources`,
    );
  return previous.includes(value) ? previous : [...previous, value];
}

function checkId(value: string): string {
  if (!TOKEN_ID_PATTERN.test(value))
    throw new KfmError('USAGE', `--id ${value}: use 1-64 characters of A-Z a-z 0-9 _ . -`);
  return value;
}

export function registerToken(program: Command, cli: Cli): void {
  const token = program.command('token').description(COMMAND_SUMMARIES.token.description);
  token
    .command('create')
    .description('print a new random token once, and the salted-hash record to put in the tokens file')
    .requiredOption(
      '--role <role>',
      'a role the token holds: a policy label of the datasets it may read (repeatable)',
      collectRole,
    )
    .option('--id <id>', 'the record id shown in logs (default: tok_<random>)', checkId)
    .action((opts: TokenCreateOptions) => cli.run(createApiToken({ ...cli.globals(), ...opts })));
}
