import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { KfmError } from '../errors.js';
import { DATASET_ID_PATTERN, DATASET_ID_RULE } from '../events/ids.js';
import { decodeUtf8Strict, describeMalformedByte } from '../events/utf8.js';
import { type DatasetEntry, parseDatasetEntry } from './dataset-entry.js';
import type { RegistryProblem } from './describe-issues.js';
import { didYouMean, nearestIds } from './nearest-ids.js';
import { readRegistryYaml } from './read-registry-yaml.js';
import { isRelativeFileUri } from './upstream-uri.js';

/** The outcome of checking one registry file: its entry when valid, else every problem found. */
export interface RegistryFileResult {
  dataset_id: string;
  /** The file as shown to people: relative to the KFM root when known, e.g. data/registry/x.yml. */
  file: string;
  entry?: DatasetEntry;
  errors: RegistryProblem[];
}

export interface RegistryOptions {
  /** Show file names relative to this folder. Default: the root above `data/registry`. */
  displayRoot?: string;
}

export function registryDirOf(root: string): string {
  return join(root, 'data', 'registry');
}

/** `file: field: message; fix` — the one human form of a registry problem. */
export function formatProblem(file: string, problem: RegistryProblem): string {
  const where = problem.line === undefined ? file : `${file} line ${problem.line}`;
  return `${where}: ${problem.field === '' ? '' : `${problem.field}: `}${problem.message}; ${problem.fix}`;
}

/** Checks `<registryDir>/<datasetId>.yml`; throws only when there is no such file to check. */
export async function checkDatasetFile(
  registryDir: string,
  datasetId: string,
  options: RegistryOptions = {},
): Promise<RegistryFileResult> {
  // The id becomes a path: refuse anything that could name a file outside the registry.
  if (!DATASET_ID_PATTERN.test(datasetId)) {
    throw new KfmError('INVALID_INPUT', `'${datasetId}' is not a dataset id: use ${DATASET_ID_RULE}`, {
      details: { dataset_id: datasetId },
    });
  }
  const path = join(registryDir, `${datasetId}.yml`);
  const file = display(registryDir, path, options);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      const suggestions = nearestIds(datasetId, await registryIds(registryDir));
      throw new KfmError(
        'NOT_FOUND',
        `${file}: no registry entry for dataset '${datasetId}'${didYouMean(suggestions)}; create ${file} (see README.md, "Dataset registry")`,
        { details: { file, dataset_id: datasetId, ...(suggestions.length > 0 ? { suggestions } : {}) } },
      );
    }
    throw new KfmError('IO', `${file}: cannot read (${code ?? (error as Error).message})`, {
      details: { file },
    });
  }
  return checkBytes(datasetId, file, bytes);
}

/** The ids the registry folder has entries for; none when it cannot be listed (a hint, not a check). */
async function registryIds(registryDir: string): Promise<string[]> {
  const names = await readdir(registryDir).catch(() => []);
  return names.filter((n) => n.endsWith('.yml')).map((n) => n.slice(0, -'.yml'.length));
}

function checkBytes(datasetId: string, file: string, bytes: Uint8Array): RegistryFileResult {
  // Refused, not decoded to U+FFFD: a title or publisher would otherwise reach DCAT altered.
  const text = decodeUtf8Strict(bytes);
  if (!text.ok) {
    const message = `${describeMalformedByte(text)} (column ${text.column})`;
    const problem = { field: '', message, fix: 'save the file as UTF-8', line: text.line };
    return { dataset_id: datasetId, file, errors: [problem] };
  }
  const yaml = readRegistryYaml(text.text);
  if (!yaml.ok) {
    const line = yaml.line === undefined ? {} : { line: yaml.line };
    const fix =
      yaml.fix ??
      (yaml.line === undefined ? 'fix the YAML syntax' : `fix the YAML syntax at line ${yaml.line}`);
    return {
      dataset_id: datasetId,
      file,
      errors: [{ field: yaml.field ?? '', message: yaml.message, fix, ...line }],
    };
  }
  const parsed = parseDatasetEntry(yaml.value, datasetId, yaml.lineOf);
  return parsed.ok
    ? { dataset_id: datasetId, file, entry: parsed.entry, errors: [] }
    : { dataset_id: datasetId, file, errors: parsed.problems };
}

/**
 * The entry of one dataset. Throws NOT_FOUND naming the expected file, or REGISTRY_INVALID whose
 * message has one `file: field: message; fix` line per problem (details.errors has them as data).
 */
export async function loadDatasetEntry(
  registryDir: string,
  datasetId: string,
  options: RegistryOptions = {},
): Promise<DatasetEntry> {
  const result = await checkDatasetFile(registryDir, datasetId, options);
  if (result.entry !== undefined) return result.entry;
  throw registryInvalid(result);
}

export function registryInvalid(result: RegistryFileResult): KfmError {
  return new KfmError(
    'REGISTRY_INVALID',
    result.errors.map((p) => formatProblem(result.file, p)).join('\n'),
    {
      details: { file: result.file, dataset_id: result.dataset_id, errors: result.errors },
    },
  );
}

/** Checks every `*.yml` of the registry, in file-name order; a bad file does not stop the others. */
export async function checkRegistry(
  registryDir: string,
  options: RegistryOptions = {},
): Promise<RegistryFileResult[]> {
  let names: string[];
  try {
    names = await readdir(registryDir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const dir = display(registryDir, registryDir, options);
    if (code === 'ENOENT') {
      throw new KfmError(
        'NOT_FOUND',
        `${dir}: no registry folder; run \`kfm init\` and add <dataset_id>.yml files`,
        {
          details: { file: dir },
        },
      );
    }
    throw new KfmError('IO', `${dir}: cannot list (${code ?? (error as Error).message})`, {
      details: { file: dir },
    });
  }
  const results: RegistryFileResult[] = [];
  for (const name of names.sort()) {
    if (name.endsWith('.yml')) {
      const stem = name.slice(0, -'.yml'.length);
      if (DATASET_ID_PATTERN.test(stem)) results.push(await checkDatasetFile(registryDir, stem, options));
      else
        results.push(
          badName(stem, display(registryDir, join(registryDir, name), options), 'is not <dataset_id>.yml'),
        );
    } else if (name.endsWith('.yaml')) {
      // Only .yml files are read; say so rather than ignore an entry someone meant to register.
      const stem = name.slice(0, -'.yaml'.length);
      results.push(badName(stem, display(registryDir, join(registryDir, name), options), 'ends in .yaml'));
    }
  }
  return results;
}

function badName(stem: string, file: string, why: string): RegistryFileResult {
  const id = stem.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const fix = `rename it to ${/^[a-z]/.test(id) ? id : `ds_${id}`}.yml (lowercase snake_case, ending in .yml)`;
  return { dataset_id: stem, file, errors: [{ field: '', message: `the file name ${why}`, fix }] };
}

/** Every valid entry, and the files that are not (each with all its problems). */
export async function loadRegistry(
  registryDir: string,
  options: RegistryOptions = {},
): Promise<{ entries: DatasetEntry[]; problems: RegistryFileResult[] }> {
  const results = await checkRegistry(registryDir, options);
  return {
    entries: results.flatMap((r) => (r.entry === undefined ? [] : [r.entry])),
    problems: results.filter((r) => r.errors.length > 0),
  };
}

/**
 * An upstream URI as a connector fetches it: a relative `file:<path>` becomes an absolute file URL
 * under the data root when the file is there (a runtime connector's fixture), else under the project
 * root (where the package's connectors/ live); other URIs are returned unchanged.
 */
export function resolveUpstreamUri(uri: string, projectRoot: string, root?: string): string {
  if (!isRelativeFileUri(uri)) return uri;
  const path = uri.slice('file:'.length);
  // Like connectors: a file the root holds (a runtime connector's fixture) first, then the project's.
  const base = root !== undefined && existsSync(join(root, path)) ? root : projectRoot;
  return pathToFileURL(join(base, path)).href;
}

function display(registryDir: string, path: string, options: RegistryOptions): string {
  const conventional = basename(registryDir) === 'registry' && basename(dirname(registryDir)) === 'data';
  const root = options.displayRoot ?? (conventional ? dirname(dirname(registryDir)) : undefined);
  return root === undefined ? path : relative(root, path) || '.';
}
