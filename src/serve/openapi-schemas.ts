import { z } from 'zod';
import { API_SCHEMAS } from './api-schemas.js';

type SchemaName = keyof typeof API_SCHEMAS;

/**
 * JSON Schema (2020-12, the dialect of OpenAPI 3.1) of one answer, generated from its zod schema.
 * `io: 'output'`: these are what the server sends. Refinements a JSON Schema cannot say are left
 * out, so a schema accepts what zod would refuse there, never the other way round. The document
 * holds it as a component, so its own `$schema` (the document's jsonSchemaDialect) is dropped.
 */
function componentSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _dialect, ...body } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io: 'output',
    unrepresentable: 'any',
  });
  return body;
}

/** The components.schemas of the OpenAPI document: the contract tests validate real answers against them. */
export const SCHEMAS = Object.fromEntries(
  (Object.keys(API_SCHEMAS) as SchemaName[]).map((name) => [name, componentSchema(API_SCHEMAS[name])]),
) as Record<SchemaName, Record<string, unknown>>;
