import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

const Ajv2020 = Ajv2020Module.default;
const addFormats = addFormatsModule.default;

export interface OpenApiDocument {
  components: { schemas: Record<string, object> };
}

/**
 * `validate(component, answer)` → the Ajv errors as `<instancePath> <message>` (empty: valid), by the
 * component schemas of an OpenAPI document as the server serves it: Ajv (draft 2020-12, the
 * dialect of OpenAPI 3.1) with its formats checked, strict, and no kfm code in between.
 */
export function openApiValidator(doc: OpenApiDocument): (component: string, answer: unknown) => string[] {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  const compiled = new Map(
    Object.entries(doc.components.schemas).map(([name, schema]) => [name, ajv.compile(schema)]),
  );
  return (component, answer) => {
    const check = compiled.get(component);
    if (check === undefined) throw new Error(`the document has no component schema ${component}`);
    return check(answer) ? [] : (check.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
  };
}
