import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { parse as parseYaml } from 'yaml';

/**
 * Receipts checked as an outside user would: Ajv (draft 2020-12) given nothing but the files under
 * schemas/, each found by its `$id`. No kfm code is imported, so a schema file that drifted from
 * the receipts fails here even if the zod source is right.
 */
const Ajv2020 = Ajv2020Module.default;
const addFormats = addFormatsModule.default;

export const SCHEMAS_DIR = fileURLToPath(new URL('../../schemas/', import.meta.url));
export const schemaIdOf = (name: string) => `https://kfm.local/schemas/${name}/v1.json`;

/** Every schema file, relative to schemas/. */
export function schemaFiles(): string[] {
  // schemas/openlineage/ holds the hand-written schema of kfm's custom OpenLineage facet (its
  // _schemaURL), held by the OpenLineage tests; every other file is a generated receipt schema.
  return readdirSync(SCHEMAS_DIR, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.json') && !f.startsWith('openlineage/'))
    .sort();
}

/** `validate(name, document)` → the Ajv errors as `<instancePath> <message>` (empty: valid). */
export function receiptValidator(): (name: string, document: unknown) => string[] {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats(ajv);
  for (const file of schemaFiles()) ajv.addSchema(JSON.parse(readFileSync(join(SCHEMAS_DIR, file), 'utf8')));
  return (name, document) => {
    const check = ajv.getSchema(schemaIdOf(name));
    if (check === undefined) throw new Error(`no schema file has $id ${schemaIdOf(name)}`);
    return check(document) ? [] : (check.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
  };
}

/** A receipt file of a root and the schema it must satisfy. */
export interface ReceiptFile {
  /** Relative to the root. */
  path: string;
  schema: string;
}

const RUN_RECEIPTS: Record<string, string> = {
  'run_record.json': 'run_record',
  'validation_report.json': 'validation_report',
  'run_manifest.json': 'run_manifest',
};

/** The receipts a root holds: run receipts, raw manifests and registry entries. */
export function receiptFiles(root: string): ReceiptFile[] {
  const data = join(root, 'data');
  const under = (dir: string) => {
    try {
      return readdirSync(join(data, dir), { recursive: true, encoding: 'utf8' }).map((f) => join(dir, f));
    } catch {
      return [];
    }
  };
  const files: ReceiptFile[] = [];
  for (const file of under('work')) {
    const schema = RUN_RECEIPTS[file.slice(file.lastIndexOf('/') + 1)];
    if (schema !== undefined && file.includes('/runs/')) files.push({ path: join('data', file), schema });
  }
  for (const file of under('raw')) {
    if (/^raw\/[^/]+\/manifest\.yml$/.test(file))
      files.push({ path: join('data', file), schema: 'raw_manifest' });
  }
  for (const file of under('registry')) {
    if (file.endsWith('.yml')) files.push({ path: join('data', file), schema: 'registry_entry' });
  }
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

/** A receipt's document: JSON, or YAML for manifest.yml and registry entries. */
export function readReceipt(root: string, path: string): unknown {
  const text = readFileSync(join(root, path), 'utf8');
  return path.endsWith('.yml') ? parseYaml(text) : JSON.parse(text);
}

/** Every receipt of `root` that fails its schema, with the errors (empty: all valid). */
export function invalidReceipts(root: string): { path: string; errors: string[] }[] {
  const validate = receiptValidator();
  return receiptFiles(root).flatMap(({ path, schema }) => {
    const errors = validate(schema, readReceipt(root, path));
    return errors.length === 0 ? [] : [{ path, errors }];
  });
}
