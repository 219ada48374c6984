import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { KfmError } from '../errors.js';
import { canonicalJson } from '../ledger/pure/canonical-json.js';

/**
 * Reads a run spec (JSON, or YAML for .yml/.yaml). YAML is read with the core schema, so no
 * timestamps or other non-JSON types appear, and duplicate keys are refused rather than guessed.
 * A value RFC 8785 cannot represent (YAML's .nan or .inf) is refused here, naming the file, since
 * spec_hash could not be computed: every caller (stages, `kfm spec-hash`) gets the same message.
 */
export async function readSpec(file: string): Promise<Record<string, unknown>> {
  const spec = await readObjectDocument(file, 'run spec');
  try {
    canonicalJson(spec, 'spec');
  } catch (error) {
    if (!(error instanceof KfmError)) throw error;
    throw new KfmError(error.code, `${file}: ${error.message}`, { details: { file, ...error.details } });
  }
  return spec;
}

/** A connector config (--config): `upstream` overrides the registry's upstream for one run. */
export async function readConfig(file: string): Promise<Record<string, unknown>> {
  const config = await readObjectDocument(file, 'connector config');
  const upstream = config.upstream as { uri?: unknown } | undefined;
  if (
    upstream !== undefined &&
    (upstream === null || typeof upstream !== 'object' || typeof upstream.uri !== 'string')
  ) {
    throw new KfmError(
      'INVALID_INPUT',
      `${file}: upstream must be an object with a string uri, e.g. {"upstream": {"uri": "http://127.0.0.1:8080"}}`,
      {
        details: { file, field: 'upstream' },
      },
    );
  }
  return config;
}

async function readObjectDocument(file: string, what: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new KfmError('NOT_FOUND', `${file}: no such ${what} file`, { details: { file } });
    throw new KfmError('IO', `${file}: cannot read (${code ?? (error as Error).message})`, {
      details: { file },
    });
  }
  const value = parseDocument(file, text);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new KfmError(
      'INVALID_INPUT',
      `${file}: a ${what} must be a JSON/YAML object (mapping) at the top level`,
      {
        details: { file },
      },
    );
  }
  return value as Record<string, unknown>;
}

export function parseDocument(file: string, text: string): unknown {
  const yaml = ['.yml', '.yaml'].includes(extname(file).toLowerCase());
  try {
    return yaml ? parseYaml(text, { schema: 'core', uniqueKeys: true }) : JSON.parse(text);
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos ? ` line ${error.linePos[0].line}` : '';
    const first = (error as Error).message.split('\n')[0];
    throw new KfmError('INVALID_INPUT', `${file}${where}: not valid ${yaml ? 'YAML' : 'JSON'} (${first})`, {
      details: { file },
    });
  }
}
