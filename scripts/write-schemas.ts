import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { RECEIPT_SCHEMA_NAMES, renderReceiptSchema, schemaPath } from '../src/contract/receipt-schemas.js';

/**
 * `npm run schemas`: writes schemas/<name>/v<N>.json from the zod sources. The committed files are
 * what outside tools read; test/unit/contract/receipt-schemas.test.ts fails when they differ from
 * what this would write, so run this after changing a receipt's shape and commit the result.
 */
const root = resolve(import.meta.dirname, '../..');
for (const name of RECEIPT_SCHEMA_NAMES) {
  const file = join(root, schemaPath(name));
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, renderReceiptSchema(name));
  process.stdout.write(`${schemaPath(name)}\n`);
}
