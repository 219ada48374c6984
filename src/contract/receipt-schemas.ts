import { z } from 'zod';
import { ProvenanceBundle } from '../projections/provenance-bundle.js';
import { RawManifest } from '../projections/raw-manifest.js';
import { renderReceipt } from '../projections/render-receipt.js';
import { RunManifest } from '../projections/run-manifest.js';
import { RunRecord } from '../projections/run-record.js';
import { ValidationReport } from '../projections/validation-report-schema.js';
import { DatasetEntry } from '../registry/dataset-entry.js';

/**
 * The receipts kfm publishes a JSON Schema for (draft 2020-12), each generated from the zod schema
 * its projection is typed from, so an outside tool can check a receipt without kfm. A schema's `$id`
 * names its major version: a change that could reject a receipt valid before is a new `vN`, with
 * its own file, and the old one stays.
 */
export const SCHEMA_BASE_URI = 'https://kfm.local/schemas';

interface ReceiptSchema {
  zod: z.ZodType;
  version: number;
  title: string;
  /** Where the receipt lives, for the schema's description and `kfm schema --list`. */
  file: string;
  description: string;
}

export const RECEIPT_SCHEMAS = {
  run_record: {
    zod: RunRecord,
    version: 1,
    title: 'kfm run_record',
    file: 'data/work/<dataset_id>/runs/<run_id>/run_record.json',
    description:
      'Every stage of one run, folded from its events: status, spec hashes, captures, artifacts, transforms, validation outcome, a backfill parent’s windows, and the ledger range it came from.',
  },
  validation_report: {
    zod: ValidationReport,
    version: 1,
    title: 'kfm validation_report',
    file: 'data/work/<dataset_id>/runs/<run_id>/validation_report.json',
    description:
      'The run’s latest validation.reported: every check, the outputs validated by sha256, and the ledger event that records it.',
  },
  run_manifest: {
    zod: RunManifest,
    version: 1,
    title: 'kfm run_manifest',
    file: 'data/work/<dataset_id>/runs/<run_id>/run_manifest.json',
    description:
      'The Promotion Contract receipt: the version a run published or reused, under which spec, policy and validation, anchored to its ledger event.',
  },
  raw_manifest: {
    zod: RawManifest,
    version: 1,
    title: 'kfm raw manifest.yml',
    file: 'data/raw/<dataset_id>/manifest.yml',
    description:
      'Every capture of a dataset in ledger order (a YAML file; the schema describes the document it parses to).',
  },
  registry_entry: {
    zod: DatasetEntry,
    version: 1,
    title: 'kfm registry entry',
    file: 'data/registry/<dataset_id>.yml',
    description:
      'One dataset’s registry entry (a YAML file; the schema describes the document it parses to). `license` must also be a current SPDX identifier and `upstream.uri` a URI kfm can fetch: `kfm registry validate` checks those, a JSON Schema cannot.',
  },
  provenance_bundle: {
    zod: ProvenanceBundle,
    version: 1,
    title: 'kfm provenance bundle',
    file: 'GET /datasets/{dataset_id}/versions/{version_id}/provenance (kfm serve)',
    description:
      'What a client of the governed API needs to trust a version without trusting the server: content hash, artifact checksums, runs, spec hashes, validation, generalizations, PROV-JSON and the ledger anchor.',
  },
} as const satisfies Record<string, ReceiptSchema>;

export type ReceiptSchemaName = keyof typeof RECEIPT_SCHEMAS;

export const RECEIPT_SCHEMA_NAMES = Object.keys(RECEIPT_SCHEMAS) as ReceiptSchemaName[];

export function isReceiptSchemaName(name: string): name is ReceiptSchemaName {
  return Object.hasOwn(RECEIPT_SCHEMAS, name);
}

export const schemaId = (name: ReceiptSchemaName): string =>
  `${SCHEMA_BASE_URI}/${name}/v${RECEIPT_SCHEMAS[name].version}.json`;

/** Where the generated file lives in the repository, relative to its root: it mirrors the `$id`. */
export const schemaPath = (name: ReceiptSchemaName): string =>
  `schemas/${name}/v${RECEIPT_SCHEMAS[name].version}.json`;

/**
 * The JSON Schema of one receipt. `io: 'output'`: receipts are what the projections produce.
 * Refinements a JSON Schema cannot say (SPDX licences, the `__proto__` key guard) are left out:
 * the schema accepts what zod would refuse there, never the other way round.
 */
export function receiptJsonSchema(name: ReceiptSchemaName): Record<string, unknown> {
  const { zod, title, description, file } = RECEIPT_SCHEMAS[name];
  const generated = z.toJSONSchema(zod, { target: 'draft-2020-12', io: 'output', unrepresentable: 'any' });
  const { $schema, ...body } = generated;
  return { $schema, $id: schemaId(name), title, description: `${file}: ${description}`, ...body };
}

/** The schema file's bytes: sorted keys, 2-space indent, final newline (as every receipt). */
export function renderReceiptSchema(name: ReceiptSchemaName): string {
  return renderReceipt(receiptJsonSchema(name));
}
