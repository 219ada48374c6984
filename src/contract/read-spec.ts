import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { KfmError } from '../errors.js';

/**
 * Reads a run spec (JSON, or YAML for .yml/.yaml). YAML is read with the core schema, so no
 * timestamps or other non-JSON types appear, and duplicate keys are refused rather than guessed.
 */
export async function readSpec(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new KfmError('NOT_FOUND', `${file}: no such spec file`, { details: { file } });
    throw new KfmError('IO', `${file}: cannot read (${code ?? (error as Error).message})`, {
      details: { file },
    });
  }
  const value = parseDocument(file, text);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new KfmError(
      'INVALID_INPUT',
      `${file}: a run spec must be a JSON/YAML object (mapping) at the top level`,
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
