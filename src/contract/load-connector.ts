import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { KfmError } from '../errors.js';
import { DataDictionary } from '../events/index.js';
import { type ConnectorDefinition, defineConnector } from './define-connector.js';

/** File names a connector module may have under `<root>/connectors/<dataset_id>/`, in search order. */
export const ROOT_CONNECTOR_FILES = ['connector.js', 'connector.mjs'] as const;

/**
 * What a connector module outside the package receives when its default export is a function: it
 * cannot resolve kfm's own `defineConnector` or `zod` from wherever the root is, so kfm hands them in.
 */
export interface ConnectorKit {
  defineConnector: typeof defineConnector;
  z: typeof z;
}

const fn = z.custom<(...args: never[]) => unknown>((value) => typeof value === 'function', {
  error: 'must be a function',
});

/** The shape checked at load, so a wrong definition fails naming its field before any stage starts. */
const DefinitionShape = z.looseObject({
  dataset_id: z.string(),
  format: z.enum(['csv', 'geojson'], { error: 'must be "csv" or "geojson"' }),
  // safeParse is what validation's schema check needs, so a module's own zod serves as well as ours
  // (its declared fields are read when it is a zod 4 schema: builtin-checks.ts declaredFields).
  record: z.custom<z.ZodType>(
    (value) =>
      value !== null &&
      typeof value === 'object' &&
      typeof (value as { safeParse?: unknown }).safeParse === 'function',
    { error: 'must be a zod schema (use the z the module is given)' },
  ),
  time_fields: z.array(z.string()).optional(),
  data_dictionary: DataDictionary.optional(),
  keys: z.array(z.string()).min(1, { error: 'must name at least one field' }).optional(),
  discover: fn.optional(),
  acquire: fn.optional(),
  transform: fn.optional(),
  checks: z.array(z.looseObject({ name: z.string().min(1), run: fn })).optional(),
  windowed: z
    .looseObject({
      grid: z.string(),
      requests_per_window: z.number().positive(),
      empty_ok: z.boolean().optional(),
    })
    .optional(),
});

function broken(file: string, problem: string): KfmError {
  return new KfmError('INVALID_INPUT', `${file}: ${problem}`, { details: { file } });
}

/** Imports a connector module found in a root and checks what it exports. */
async function loadRootModule(file: string, datasetId: string): Promise<ConnectorDefinition> {
  const fix = `export default ({ defineConnector, z }) => defineConnector({ dataset_id: '${datasetId}', … })`;
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(file).href)) as { default?: unknown };
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw broken(file, `the module does not load (${message}); fix it, then run the command again`);
  }
  let value = module.default;
  if (typeof value === 'function') {
    try {
      value = await (value as (kit: ConnectorKit) => unknown)({ defineConnector, z });
    } catch (error) {
      throw broken(
        file,
        `its default export threw: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  if (value === null || typeof value !== 'object') {
    throw broken(file, `has no connector as its default export; write \`${fix}\``);
  }
  const parsed = DefinitionShape.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.') || '(definition)';
    throw broken(file, `field ${field} ${issue.message}; see README.md, "Write a connector"`);
  }
  if (parsed.data.dataset_id !== datasetId) {
    throw broken(
      file,
      `field dataset_id is ${JSON.stringify(parsed.data.dataset_id)}, but the folder is connectors/${datasetId}/; make them equal`,
    );
  }
  return value as ConnectorDefinition;
}

/**
 * A connector is found in the root first, then the project. In a root, `connectors/<dataset_id>/`
 * holds a JavaScript module (connector.js or connector.mjs) loaded at run time: no rebuild of kfm.
 * In the project (the package's own examples): when this module runs from the bundled CLI, the
 * connector bundled beside it (scripts/bundle-cli.ts), which shares the CLI's modules; else
 * tsc's compiled JavaScript when we run compiled, the TypeScript under vitest.
 */
export async function loadConnector(
  projectRoot: string,
  datasetId: string,
  root?: string,
): Promise<ConnectorDefinition> {
  if (root !== undefined) {
    for (const name of ROOT_CONNECTOR_FILES) {
      const file = join(root, 'connectors', datasetId, name);
      if (existsSync(file)) return loadRootModule(file, datasetId);
    }
  }
  const bundled = fileURLToPath(new URL(`./connectors/${datasetId}/connector.js`, import.meta.url));
  const compiled = import.meta.url.endsWith('.js');
  const file = existsSync(bundled)
    ? bundled
    : compiled
      ? join(projectRoot, 'dist', 'connectors', datasetId, 'connector.js')
      : join(projectRoot, 'connectors', datasetId, 'connector.ts');
  if (!existsSync(file)) {
    throw new KfmError(
      'NOT_FOUND',
      `no connector for dataset ${datasetId}: expected ${root === undefined ? '' : `${join(root, 'connectors', datasetId, 'connector.js')} (kfm connector new ${datasetId} --from csv) or `}connectors/${datasetId}/connector.ts in the project${compiled ? ', then npm run build' : ''}`,
      { details: { file } },
    );
  }
  const module = (await import(pathToFileURL(file).href)) as { default?: ConnectorDefinition };
  const connector = module.default;
  if (connector === undefined || connector.dataset_id !== datasetId) {
    throw new KfmError(
      'INVALID_INPUT',
      `${file}: must \`export default defineConnector({ dataset_id: '${datasetId}', … })\``,
      {
        details: { file },
      },
    );
  }
  return connector;
}
