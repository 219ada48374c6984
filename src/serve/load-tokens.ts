import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { KfmError } from '../errors.js';
import { TokenRecord, TokenStore } from './tokens.js';

/** The environment variable that may hold the token records (same JSON or YAML as the file). */
export const TOKENS_ENV = 'KFM_API_TOKENS';

const TokenFile = z.array(TokenRecord);

export interface TokenSources {
  /** `--tokens <file>`: a JSON or YAML list of `{id, salt, hash, roles}`. */
  file?: string;
  /** The value of KFM_API_TOKENS, when set. */
  env?: string;
}

/**
 * The token records of the file and the environment variable together (ids must be unique across
 * both). Errors name the source, the record index and the field, never the text itself: the value
 * of KFM_API_TOKENS is treated like any variable named *TOKEN*, which is never echoed.
 */
export function loadTokens(sources: TokenSources): TokenStore {
  const records = [
    ...(sources.file === undefined ? [] : parseRecords(readTokenFile(sources.file), sources.file)),
    ...(sources.env === undefined || sources.env.trim() === '' ? [] : parseRecords(sources.env, TOKENS_ENV)),
  ];
  const seen = new Set<string>();
  for (const record of records) {
    if (seen.has(record.id)) {
      throw new KfmError(
        'INVALID_INPUT',
        `token id ${record.id} is configured twice; give each token its own id`,
        {
          details: { id: record.id },
        },
      );
    }
    seen.add(record.id);
  }
  return new TokenStore(records);
}

function readTokenFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new KfmError(
      code === 'ENOENT' ? 'NOT_FOUND' : 'IO',
      `${file}: cannot read the tokens file (${code})`,
      {
        details: { file },
      },
    );
  }
}

function parseRecords(text: string, source: string): TokenRecord[] {
  let value: unknown;
  try {
    value = parse(text, { schema: 'core', uniqueKeys: true, maxAliasCount: 100 });
  } catch {
    throw new KfmError(
      'INVALID_INPUT',
      `${source}: not JSON or YAML; expected a list of {id, salt, hash, roles}`,
      {
        details: { source },
      },
    );
  }
  const parsed = TokenFile.safeParse(value ?? []);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const where = issue.path.length === 0 ? '' : `${issue.path.join('.')}: `;
  throw new KfmError(
    'INVALID_INPUT',
    `${source}: ${where}${issue.message}; each record is {id, salt, hash, roles} as \`kfm token create\` prints it`,
    { details: { source, field: issue.path.join('.') } },
  );
}
