import type { Command } from 'commander';
import {
  isReceiptSchemaName,
  RECEIPT_SCHEMA_NAMES,
  RECEIPT_SCHEMAS,
  type ReceiptSchemaName,
  renderReceiptSchema,
  schemaId,
  schemaPath,
} from '../../contract/receipt-schemas.js';
import { EXIT, KfmError } from '../../errors.js';
import { distance } from '../../registry/describe-issues.js';
import { COMMAND_SUMMARIES } from '../command-summaries.js';
import { renderTable } from '../human-table.js';
import { type Cli, type CommandRun, type GlobalOptions, writeJson } from '../io.js';

interface SchemaOptions {
  list?: boolean;
}

/** The schema itself is JSON, so `--json` changes nothing: it prints the file's bytes either way. */
export function printSchema(name: string | undefined, options: SchemaOptions & GlobalOptions): CommandRun {
  return async (io) => {
    if (options.list) {
      if (name !== undefined) throw usage(`kfm schema --list takes no name (got '${name}')`);
      const rows = RECEIPT_SCHEMA_NAMES.map(listing);
      if (options.json) writeJson(io, { schemas: rows });
      else
        io.stdout(
          renderTable(
            ['NAME', 'ID', 'RECEIPT'],
            rows.map((r) => [r.name, r.id, r.receipt]),
          ),
        );
      return EXIT.ok;
    }
    if (name === undefined)
      throw usage('name a schema (kfm schema run_record), or list them: kfm schema --list');
    if (!isReceiptSchemaName(name)) throw unknownSchema(name);
    io.stdout(renderReceiptSchema(name));
    return EXIT.ok;
  };
}

const listing = (name: ReceiptSchemaName) => ({
  name,
  id: schemaId(name),
  path: schemaPath(name),
  receipt: RECEIPT_SCHEMAS[name].file,
  title: RECEIPT_SCHEMAS[name].title,
});

const usage = (message: string) => new KfmError('USAGE', message);

function unknownSchema(name: string): KfmError {
  const near = RECEIPT_SCHEMA_NAMES.map((known) => ({ known, d: distance(known, name.toLowerCase()) }))
    .filter(({ d }) => d <= 3)
    .sort((a, b) => a.d - b.d)[0]?.known;
  const hint = near === undefined ? '' : `did you mean '${near}'? `;
  return new KfmError(
    'NOT_FOUND',
    `no schema named '${name}': ${hint}the schemas are ${RECEIPT_SCHEMA_NAMES.join(', ')} (kfm schema --list)`,
    { details: { name, ...(near === undefined ? {} : { did_you_mean: near }) } },
  );
}

export function registerSchema(program: Command, cli: Cli): void {
  program
    .command('schema')
    .description(COMMAND_SUMMARIES.schema.description)
    .argument('[name]', `one of ${RECEIPT_SCHEMA_NAMES.join(', ')}`)
    .option('--list', 'list the schemas: name, $id and the receipt each describes (--json: as data)')
    .addHelpText(
      'after',
      `
Validate a receipt with any draft 2020-12 validator; the schemas use the date-time
format, so with Ajv load ajv/dist/2020 and ajv-formats. YAML receipts (raw_manifest,
registry_entry) are validated as the document they parse to.`,
    )
    .action((name: string | undefined, options: SchemaOptions) =>
      cli.run(printSchema(name, { ...cli.globals(), ...options })),
    );
}
