import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { RECEIPT_SCHEMAS, type ReceiptSchemaName, schemaId } from '../contract/receipt-schemas.js';
import type { AuditFailure } from '../projections/audit-failure.js';

/** The receipts a stage writes, by where they live: name in its zone → its schema. */
const RECEIPT_FILES: Readonly<Record<string, { zone: 'raw' | 'work'; schema: ReceiptSchemaName }>> = {
  'run_record.json': { zone: 'work', schema: 'run_record' },
  'validation_report.json': { zone: 'work', schema: 'validation_report' },
  'run_manifest.json': { zone: 'work', schema: 'run_manifest' },
  'manifest.yml': { zone: 'raw', schema: 'raw_manifest' },
};

/** The schema of a projected file, if it is a receipt (catalogs have their own validators). */
export function receiptSchemaOf(file: { zone: string; path: string }): ReceiptSchemaName | undefined {
  const receipt = RECEIPT_FILES[file.path.slice(file.path.lastIndexOf('/') + 1)];
  return receipt?.zone === file.zone ? receipt.schema : undefined;
}

/** At most this many issues are named in one finding: the first says where to look. */
const SHOWN_ISSUES = 3;

type Origin = 'file' | 'replay';

/**
 * RECEIPT_SCHEMA_INVALID when `content` (a receipt's bytes: the file on disk, or the replay of the
 * ledger) does not satisfy its published schema; `field` is the first failing field, dotted
 * (`stages.0.status`), '' for the document itself. Checked with the zod source the schema file is
 * generated from, so the finding and an outside validator agree.
 */
export function checkReceiptSchema(
  schema: ReceiptSchemaName,
  path: string,
  content: string,
  origin: Origin,
): AuditFailure | null {
  let document: unknown;
  try {
    document = path.endsWith('.yml') ? parseYaml(content) : JSON.parse(content);
  } catch (error) {
    const format = path.endsWith('.yml') ? 'YAML' : 'JSON';
    return invalid(schema, path, origin, '', `it is not ${format} (${(error as Error).message})`);
  }
  return checkReceiptDocument(schema, path, document, origin);
}

/**
 * The same check on the document itself, as a projection built it: the replay needs no parse of
 * the bytes it just rendered (a YAML parse of every raw manifest cost more than the rest of verify).
 */
export function checkReceiptDocument(
  schema: ReceiptSchemaName,
  path: string,
  document: unknown,
  origin: Origin,
): AuditFailure | null {
  const result = (RECEIPT_SCHEMAS[schema].zod as z.ZodType).safeParse(document);
  if (result.success) return null;
  const issues = result.error.issues.map((issue) => ({
    field: issue.path.map(String).join('.'),
    message: issue.message,
  }));
  const shown = issues
    .slice(0, SHOWN_ISSUES)
    .map((i) => `${i.field === '' ? '(document)' : i.field}: ${i.message}`);
  const more = issues.length > SHOWN_ISSUES ? ` (and ${issues.length - SHOWN_ISSUES} more)` : '';
  return invalid(schema, path, origin, issues[0]!.field, `${shown.join('; ')}${more}`);
}

function invalid(
  schema: ReceiptSchemaName,
  path: string,
  origin: Origin,
  field: string,
  problem: string,
): AuditFailure {
  const where =
    origin === 'file'
      ? 'on disk'
      : 'as the ledger replays it (the events themselves yield an invalid receipt)';
  return {
    path,
    code: 'RECEIPT_SCHEMA_INVALID',
    message: `${where}, does not satisfy ${schemaId(schema)}: ${problem}`,
    schema: schemaId(schema),
    field,
  };
}
