import type { Command } from 'commander';
import { stringify } from 'yaml';
import { catalogProblems } from '../../contract/promotion/entry-catalogs.js';
import { EXIT } from '../../errors.js';
import { DATASET_ID_PATTERN } from '../../events/ids.js';
import { type DatasetEntry, type MissingField, missingForPromotion } from '../../registry/dataset-entry.js';
import {
  checkDatasetFile,
  checkRegistry,
  formatProblem,
  type RegistryFileResult,
  type RegistryOptions,
  registryDirOf,
  registryInvalid,
} from '../../registry/load-registry.js';
import { COMMAND_SUMMARIES } from '../command-summaries.js';
import { type Cli, type CommandRun, type GlobalOptions, type Io, resolvePaths, writeJson } from '../io.js';

/** Registry files live under --root (the data), shown relative to it: data/registry/<id>.yml. */
function registryOf(options: GlobalOptions): { dir: string; display: RegistryOptions } {
  const { root } = resolvePaths(options);
  return { dir: registryDirOf(root), display: { displayRoot: root } };
}

/** Lists the valid entries; invalid files are named on stderr and make the exit code 2. */
export function listRegistry(options: GlobalOptions): CommandRun {
  return async (io) => {
    const { dir, display } = registryOf(options);
    const results = await checkRegistry(dir, display);
    const entries = results.flatMap((r) => (r.entry === undefined ? [] : [r.entry]));
    if (options.json) writeJson(io, entries);
    else printTable(io, entries);
    const invalid = results.filter((r) => r.entry === undefined);
    for (const r of invalid) {
      const command = DATASET_ID_PATTERN.test(r.dataset_id) ? `validate ${r.dataset_id}` : 'validate';
      io.stderr(
        `kfm: ${r.file}: not listed, ${r.errors.length} problem(s); run \`kfm registry ${command}\`\n`,
      );
    }
    return invalid.length === 0 ? EXIT.ok : EXIT.usage;
  };
}

function printTable(io: Io, entries: readonly DatasetEntry[]): void {
  const rows = entries.map((e) => [
    e.dataset_id,
    clip(e.title ?? '-', 48),
    e.license ?? '-',
    e.sensitivity ?? '-',
    e.spatial === undefined ? '-' : e.spatial ? 'yes' : 'no',
  ]);
  const header = ['ID', 'TITLE', 'LICENSE', 'SENSITIVITY', 'SPATIAL'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const row of [header, ...rows]) {
    io.stdout(
      `${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')}\n`,
    );
  }
}

function clip(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

/** One entry and what the promotion gate would deny on because of it. */
export function showRegistryEntry(datasetId: string, options: GlobalOptions): CommandRun {
  return async (io) => {
    const { dir, display } = registryOf(options);
    const result = await checkDatasetFile(dir, datasetId, display);
    if (result.entry === undefined) throw registryInvalid(result);
    const missing = promotionProblems(result.entry);
    if (options.json) {
      writeJson(io, { dataset_id: datasetId, file: result.file, entry: result.entry, missing });
      return EXIT.ok;
    }
    io.stdout(`${datasetId} (${result.file})\n`);
    io.stdout(indent(stringify(result.entry, { lineWidth: 100 })));
    if (missing.length === 0)
      io.stdout('promotion: the entry declares everything the gate reads from the registry\n');
    else {
      io.stdout('promotion would be denied for:\n');
      for (const m of missing) io.stdout(`  ${m.code.padEnd(21)} ${m.field}: ${m.message}; ${m.fix}\n`);
    }
    return EXIT.ok;
  };
}

/**
 * Everything promotion would deny on because of the entry: missing fields, and catalogs that
 * would not validate (rendered around a placeholder version), so an entry that passes `validate`
 * without warnings is never denied CATALOG_INVALID for what the registry says.
 */
function promotionProblems(entry: DatasetEntry): MissingField[] {
  const missing = missingForPromotion(entry);
  return [...missing, ...catalogProblems(entry, missing)];
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? line : `  ${line}`))
    .join('\n');
}

interface DatasetReport {
  dataset_id: string;
  file: string;
  valid: boolean;
  errors: RegistryFileResult['errors'];
  missing: MissingField[];
}

/**
 * Checks one entry or the whole registry. Exit 2 if any file is invalid (each problem named with
 * file, field and fix); fields promotion will deny on are warnings, since the gate, not the
 * registry, fails closed on them.
 */
export function validateRegistry(datasetId: string | undefined, options: GlobalOptions): CommandRun {
  return async (io) => {
    const { dir, display } = registryOf(options);
    const results =
      datasetId === undefined
        ? await checkRegistry(dir, display)
        : [await checkDatasetFile(dir, datasetId, display)];
    const datasets: DatasetReport[] = results.map((r) => ({
      dataset_id: r.dataset_id,
      file: r.file,
      valid: r.entry !== undefined,
      errors: r.errors,
      missing: r.entry === undefined ? [] : promotionProblems(r.entry),
    }));
    const ok = datasets.every((d) => d.valid);
    if (options.json) writeJson(io, { ok, datasets });
    else printValidation(io, datasets);
    return ok ? EXIT.ok : EXIT.usage;
  };
}

function printValidation(io: Io, datasets: readonly DatasetReport[]): void {
  for (const d of datasets) {
    if (!d.valid) {
      io.stdout(`invalid  ${d.file}\n`);
      for (const problem of d.errors) io.stderr(`kfm: ${formatProblem(d.file, problem)}\n`);
      continue;
    }
    const codes = [...new Set(d.missing.map((m) => m.code))];
    io.stdout(
      `ok       ${d.file}${codes.length === 0 ? '' : ` (promotion would deny: ${codes.join(', ')})`}\n`,
    );
    for (const m of d.missing) {
      io.stderr(
        `kfm: warning: ${d.file}: ${m.field}: ${m.message}, promotion will deny (${m.code}); ${m.fix}\n`,
      );
    }
  }
  const invalid = datasets.filter((d) => !d.valid).length;
  const warned = datasets.filter((d) => d.valid && d.missing.length > 0).length;
  io.stdout(
    `${datasets.length} registry file(s): ${datasets.length - invalid} valid` +
      `${warned === 0 ? '' : ` (${warned} with promotion warnings)`}, ${invalid} invalid\n`,
  );
}

export function registerRegistry(program: Command, cli: Cli): void {
  const registry = program.command('registry').description(COMMAND_SUMMARIES.registry.description);
  registry
    .command('list')
    .description('table of registered datasets (--json: array of entries); exit 2 if a file is invalid')
    .action(() => cli.run(listRegistry(cli.globals())));
  registry
    .command('show')
    .description('one entry and what promotion would deny on because of it (--json: one object)')
    .argument('<dataset_id>', 'registry key, the file name without .yml')
    .action((id: string) => cli.run(showRegistryEntry(id, cli.globals())));
  registry
    .command('validate')
    .description(
      'check every entry (or one): exit 2 naming file, field and fix; warn on fields promotion needs',
    )
    .argument('[dataset_id]', 'check only data/registry/<dataset_id>.yml')
    .action((id: string | undefined) => cli.run(validateRegistry(id, cli.globals())));
}
