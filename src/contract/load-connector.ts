import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { KfmError } from '../errors.js';
import type { ConnectorDefinition } from './define-connector.js';

/**
 * Connector code comes from the project's connectors/ folder, whatever --root says: a root holds
 * data and a ledger, the project holds code. Compiled JavaScript is loaded when we run compiled.
 */
export async function loadConnector(projectRoot: string, datasetId: string): Promise<ConnectorDefinition> {
  const compiled = import.meta.url.endsWith('.js');
  const file = compiled
    ? join(projectRoot, 'dist', 'connectors', datasetId, 'connector.js')
    : join(projectRoot, 'connectors', datasetId, 'connector.ts');
  if (!existsSync(file)) {
    throw new KfmError(
      'NOT_FOUND',
      `no connector for dataset ${datasetId}: expected connectors/${datasetId}/connector.ts (copy connectors/_templates/dataset_connector_skeleton/)${compiled ? ', then npm run build' : ''}`,
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
