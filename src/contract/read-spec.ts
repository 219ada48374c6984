import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { KfmError } from '../errors.js';
import { parseStrictJson } from '../events/strict-json.js';
import { utf8Text } from '../events/utf8.js';
import { canonicalJson } from '../ledger/pure/canonical-json.js';
import { readRegistryYaml } from '../registry/read-registry-yaml.js';

/**
 * Reads a run spec (JSON, or YAML for .yml/.yaml), refusing whatever would be altered on its way
 * into spec_hash: bytes that are not UTF-8, duplicate keys, integers a double cannot hold (JSON is
 * read as I-JSON by strict-json.ts; YAML with the core schema, so no timestamps or other non-JSON
 * types appear, by the registry's reader).
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
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new KfmError('NOT_FOUND', `${file}: no such ${what} file`, { details: { file } });
    throw new KfmError('IO', `${file}: cannot read (${code ?? (error as Error).message})`, {
      details: { file },
    });
  }
  const value = parseDocument(file, utf8Text(file, bytes));
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
  if (['.yml', '.yaml'].includes(extname(file).toLowerCase())) {
    const yaml = readRegistryYaml(text);
    if (yaml.ok) return yaml.value;
    const where = yaml.line === undefined ? '' : ` line ${yaml.line}`;
    const field = yaml.field === undefined ? '' : `${yaml.field}: `;
    const fix = yaml.fix === undefined ? '' : `; ${yaml.fix}`;
    throw new KfmError('INVALID_INPUT', `${file}${where}: ${field}${yaml.message}${fix}`, {
      details: { file, ...(yaml.line === undefined ? {} : { line: yaml.line }) },
    });
  }
  const json = parseStrictJson(text);
  if (json.ok) return json.value;
  const { line, column, path, message, problem } = json.issue;
  const what = problem === 'SYNTAX' ? `not valid JSON (${message})` : message;
  throw new KfmError('INVALID_INPUT', `${file} line ${line} column ${column}: ${path}: ${what}`, {
    details: { file, line, column, path, problem },
  });
}
