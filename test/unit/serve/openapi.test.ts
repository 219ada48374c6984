import { Validator } from '@seriousme/openapi-schema-validator';
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { receiptJsonSchema } from '../../../src/contract/receipt-schemas.js';
import { SENSITIVITY_CLASSES, VERSION_ID_PATTERN } from '../../../src/events/ids.js';
import { OPENAPI } from '../../../src/serve/openapi.js';

// Issue 15, defect 3: the document Redocly's recommended ruleset lints clean, checked here without
// Redocly: what each `required` names is defined, operations have unique ids, components are used.

type Json = unknown;
const doc = JSON.parse(JSON.stringify(OPENAPI)) as Record<string, Json>;

/** Every object in the document with its JSON Pointer. */
function* objects(value: Json, pointer = '#'): Generator<[string, Record<string, Json>]> {
  if (value === null || typeof value !== 'object') return;
  if (!Array.isArray(value)) yield [pointer, value as Record<string, Json>];
  for (const [key, child] of Object.entries(value))
    yield* objects(child, `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`);
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const operations = Object.entries(doc.paths as Record<string, Record<string, Record<string, Json>>>).flatMap(
  ([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, operation]) => ({ where: `${method.toUpperCase()} ${path}`, operation })),
);

const Ajv2020 = Ajv2020Module.default;
const addFormats = addFormatsModule.default;

describe('the OpenAPI document', () => {
  it("is valid OpenAPI 3.1 by the specification's own JSON Schemas", async () => {
    const validator = new Validator({ allErrors: true });
    const result = await validator.validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect([result.valid, validator.version]).toEqual([true, '3.1']);
  });

  it('has component schemas that are JSON Schema 2020-12 (its jsonSchemaDialect), compiled strictly', () => {
    const ajv = new Ajv2020({ strict: true });
    addFormats(ajv);
    const schemas = (doc.components as { schemas: Record<string, object> }).schemas;
    expect(doc.jsonSchemaDialect).toBe('https://json-schema.org/draft/2020-12/schema');
    for (const [name, schema] of Object.entries(schemas))
      expect(() => ajv.compile(schema), name).not.toThrow();
  });

  it('takes its schemas from the zod vocabulary, not a restatement of it', () => {
    const schemas = (doc.components as { schemas: Record<string, Record<string, Json>> }).schemas;
    const { $schema, $id, title, description, ...provenance } = receiptJsonSchema('provenance_bundle');
    expect(schemas.ProvenanceBundle).toEqual(provenance);
    const version = schemas.DatasetVersion!.properties as Record<string, Record<string, Json>>;
    expect(version.version_id!.pattern).toBe(VERSION_ID_PATTERN.source);
    const registry = version.registry!.properties as Record<string, Record<string, Json>>;
    expect(registry.sensitivity!.enum).toEqual([...SENSITIVITY_CLASSES]);
  });

  it('names in every `required` only properties the same schema defines', () => {
    const undefinedRequired = [...objects(doc)].flatMap(([pointer, schema]) => {
      if (!Array.isArray(schema.required)) return [];
      const defined = Object.keys((schema.properties ?? {}) as Record<string, Json>);
      return (schema.required as string[])
        .filter((name) => !defined.includes(name))
        .map((name) => `${pointer}: ${name}`);
    });
    expect(undefinedRequired).toEqual([]);
  });

  it('gives every operation an operationId, each a different one', () => {
    const ids = operations.map(({ where, operation }) => [where, operation.operationId]);
    expect(ids.filter(([, id]) => typeof id !== 'string')).toEqual([]);
    expect(new Set(ids.map(([, id]) => id)).size).toBe(operations.length);
  });

  it('gives every operation an error answer (4XX) besides its successes', () => {
    const without = operations.filter(
      ({ operation }) => !Object.keys(operation.responses as object).some((code) => /^4\d\d$/.test(code)),
    );
    expect(without.map((o) => o.where)).toEqual([]);
  });

  it('uses every component it declares', () => {
    const refs = new Set([...objects(doc)].flatMap(([, o]) => (typeof o.$ref === 'string' ? [o.$ref] : [])));
    const components = doc.components as Record<string, Record<string, Json>>;
    const unused = Object.keys(components.schemas!).filter(
      (name) => !refs.has(`#/components/schemas/${name}`),
    );
    const security = (doc.security as Record<string, Json>[]).flatMap((s) => Object.keys(s));
    const unusedSchemes = Object.keys(components.securitySchemes!).filter((name) => !security.includes(name));
    expect([...unused, ...unusedSchemes]).toEqual([]);
  });

  it('declares Content-Digest only on the answer that has content (RFC 9530)', () => {
    const artifact = (
      doc.paths as Record<string, { get: { responses: Record<string, { headers?: object }> } }>
    )['/datasets/{dataset_id}/versions/{version_id}/artifacts/{name}']!.get.responses;
    expect(Object.keys(artifact['200']!.headers!)).toContain('Content-Digest');
    expect(Object.keys(artifact['304']!.headers!)).not.toContain('Content-Digest');
    expect(Object.keys(artifact['304']!.headers!)).toContain('Repr-Digest');
  });

  it('declares a licence and a server', () => {
    expect((doc.info as Record<string, Json>).license).toEqual({
      name: 'Apache-2.0',
      identifier: 'Apache-2.0',
    });
    expect(doc.servers).toEqual([{ url: '/', description: expect.any(String) }]);
  });
});
