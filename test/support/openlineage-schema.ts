import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020Module, { type AnySchemaObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

/**
 * Validates OpenLineage events against the official 2-0-2 schema and facet schemas
 * (test/vectors/openlineage/, see its SOURCE.md) plus kfm's own KfmLedgerRunFacet
 * (schemas/openlineage/), with Ajv 2020-12 and ajv-formats (date-time, uri, uuid).
 *
 * A facet schema's root is `{properties: {<facetKey>: …}}`, so each facets object is validated
 * against every facet schema of its kind: a facet under its key must satisfy its schema. Example
 * events carry placeholder `_schemaURL`s, so schemas are chosen by key, never resolved from the URL;
 * kfm's own events are also held to naming the schema that checked them (`strict`).
 */
const Ajv2020 = Ajv2020Module.default;
const addFormats = addFormatsModule.default;
const PROJECT = fileURLToPath(new URL('../../', import.meta.url));
export const OPENLINEAGE_VECTORS = join(PROJECT, 'test', 'vectors', 'openlineage');
const CORE_ID = 'https://openlineage.io/spec/2-0-2/OpenLineage.json';

type Kind = 'run' | 'job' | 'dataset' | 'input';
const KIND_OF_BASE: Record<string, Kind> = {
  RunFacet: 'run',
  JobFacet: 'job',
  DatasetFacet: 'dataset',
  InputDatasetFacet: 'input',
};

interface FacetSchema {
  id: string;
  key: string;
  kind: Kind;
  validate: ValidateFunction;
}

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as AnySchemaObject;

function load() {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  ajv.addSchema(readJson(join(OPENLINEAGE_VECTORS, 'spec', 'OpenLineage.json')));
  const files = [
    ...readdirSync(join(OPENLINEAGE_VECTORS, 'spec', 'facets')).map((f) =>
      join(OPENLINEAGE_VECTORS, 'spec', 'facets', f),
    ),
    join(PROJECT, 'schemas', 'openlineage', 'KfmLedgerRunFacet.json'),
  ];
  const facets: FacetSchema[] = files.map((path) => {
    const schema = readJson(path);
    ajv.addSchema(schema);
    const [key] = Object.keys(schema.properties as object);
    const name = Object.keys(schema.$defs as object).find((d) => d.endsWith('Facet'))!;
    const base = JSON.stringify(schema.$defs[name]).match(/OpenLineage\.json#\/\$defs\/(\w+)/)![1]!;
    const id = schema.$id as string;
    return { id, key: key!, kind: KIND_OF_BASE[base]!, validate: ajv.getSchema(id)! };
  });
  return { core: ajv.getSchema(CORE_ID)!, facets };
}

let loaded: ReturnType<typeof load> | undefined;

/** Every way `event` breaks the schemas, as `path: message` lines (empty when valid). */
export function openLineageIssues(event: unknown, options: { strict?: boolean } = {}): string[] {
  loaded ??= load();
  const { core, facets } = loaded;
  const issues: string[] = [];
  if (!core(event)) issues.push(...(core.errors ?? []).map((e) => `core ${e.instancePath}: ${e.message}`));
  const e = event as {
    run?: { facets?: object };
    job?: { facets?: object };
    inputs?: { facets?: object; inputFacets?: object }[];
    outputs?: { facets?: object }[];
  };
  const containers: [string, Kind, object | undefined][] = [
    ['run.facets', 'run', e.run?.facets],
    ['job.facets', 'job', e.job?.facets],
    ...(e.inputs ?? []).flatMap((d, i): [string, Kind, object | undefined][] => [
      [`inputs[${i}].facets`, 'dataset', d.facets],
      [`inputs[${i}].inputFacets`, 'input', d.inputFacets],
    ]),
    ...(e.outputs ?? []).map((d, i): [string, Kind, object | undefined] => [
      `outputs[${i}].facets`,
      'dataset',
      d.facets,
    ]),
  ];
  for (const [where, kind, container] of containers) {
    if (container === undefined) continue;
    for (const schema of facets.filter((f) => f.kind === kind && f.key in container)) {
      if (!schema.validate(container))
        issues.push(
          ...(schema.validate.errors ?? []).map(
            (x) => `${where} ${schema.key}${x.instancePath}: ${x.message}`,
          ),
        );
      const url = (container as Record<string, { _schemaURL?: string }>)[schema.key]?._schemaURL;
      if (options.strict && !url?.startsWith(`${schema.id}#/$defs/`))
        issues.push(`${where} ${schema.key}: _schemaURL ${url} does not name ${schema.id}`);
    }
    if (options.strict)
      for (const key of Object.keys(container))
        if (!facets.some((f) => f.kind === kind && f.key === key))
          issues.push(`${where} ${key}: no schema for this facet`);
  }
  return issues;
}
