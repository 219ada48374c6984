import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type Command, Option } from 'commander';
import { SCAFFOLD_KINDS, type ScaffoldKind, scaffoldFiles } from '../../contract/connector-scaffold.js';
import { EXIT, KfmError } from '../../errors.js';
import { DATASET_ID_PATTERN, DATASET_ID_RULE, SENSITIVITY_CLASSES } from '../../events/ids.js';
import { parseDatasetEntry } from '../../registry/dataset-entry.js';
import { readRegistryYaml } from '../../registry/read-registry-yaml.js';
import { upstreamUriProblem } from '../../registry/upstream-uri.js';
import { COMMAND_SUMMARIES } from '../command-summaries.js';
import { type Cli, type CommandRun, type GlobalOptions, resolvePaths, writeJson } from '../io.js';

interface NewOptions {
  from: ScaffoldKind;
  upstream?: string;
  license?: string;
  sensitivity?: string;
}

/** Writes connector, registry entry and fixture under the root; refuses before writing if any exists. */
export function newConnector(datasetId: string, flags: NewOptions, options: GlobalOptions): CommandRun {
  return async (io) => {
    if (!DATASET_ID_PATTERN.test(datasetId)) {
      throw new KfmError('USAGE', `dataset_id ${JSON.stringify(datasetId)} is not ${DATASET_ID_RULE}`, {
        details: { field: 'dataset_id' },
      });
    }
    if (flags.upstream !== undefined) {
      const problem = upstreamUriProblem(flags.upstream);
      if (problem !== null) {
        throw new KfmError('USAGE', `--upstream ${problem.message}; ${problem.fix}`, {
          details: { field: 'upstream' },
        });
      }
    }
    const { root } = resolvePaths(options);
    const declared = {
      ...(flags.license === undefined ? {} : { license: flags.license }),
      ...(flags.sensitivity === undefined ? {} : { sensitivity: flags.sensitivity }),
    };
    const files = scaffoldFiles(datasetId, flags.from, flags.upstream, declared);
    refuseUndeclarable(datasetId, files);
    const existing = files.filter((f) => existsSync(join(root, f.path))).map((f) => f.path);
    if (existing.length > 0) {
      throw new KfmError(
        'INVALID_INPUT',
        `${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''} under ${root}; nothing was written (remove ${existing.length === 1 ? 'it' : 'them'} or choose another dataset_id)`,
        { details: { files: existing } },
      );
    }
    for (const file of files) {
      const path = join(root, file.path);
      mkdirSync(dirname(path), { recursive: true });
      // 'wx': a file that appeared since the check above is still not overwritten.
      writeFileSync(path, file.text, { flag: 'wx' });
    }
    const written = files.map((f) => f.path);
    if (options.json) writeJson(io, { dataset_id: datasetId, from: flags.from, root, files: written });
    else {
      io.stdout(`kfm connector ${datasetId} (--from ${flags.from}) under ${root}\n`);
      for (const path of written) io.stdout(`  wrote ${path}\n`);
      io.stdout(
        `next: edit the lines marked EDIT in data/registry/${datasetId}.yml (license and sensitivity are only what you declared), then kfm ingest ${datasetId} (README.md, "Write a connector")\n`,
      );
    }
    return EXIT.ok;
  };
}

/** A --license or --sensitivity the registry would refuse is refused now, before anything is written. */
function refuseUndeclarable(datasetId: string, files: readonly { path: string; text: string }[]): void {
  const entry = files.find((f) => f.path === `data/registry/${datasetId}.yml`);
  const yaml = entry === undefined ? undefined : readRegistryYaml(entry.text);
  if (yaml === undefined || !yaml.ok) return;
  const parsed = parseDatasetEntry(yaml.value, datasetId);
  if (parsed.ok) return;
  const problem = parsed.problems[0]!;
  throw new KfmError('USAGE', `--${problem.field} ${problem.message}; ${problem.fix}; nothing was written`, {
    details: { field: problem.field },
  });
}

export function registerConnector(program: Command, cli: Cli): void {
  const connector = program.command('connector').description(COMMAND_SUMMARIES.connector.description);
  connector
    .command('new')
    .description(
      'scaffold connectors/<dataset_id>/connector.js, data/registry/<dataset_id>.yml and a fixture under --root; refuses to overwrite (exit 2)',
    )
    .argument('<dataset_id>', 'lowercase snake_case, the registry key')
    .addOption(
      new Option('--from <kind>', 'what the upstream serves: a CSV file, a GeoJSON file, or CSV over HTTP')
        .choices(SCAFFOLD_KINDS)
        .makeOptionMandatory(),
    )
    .option(
      '--upstream <uri>',
      "the registry's upstream.uri (default: the scaffold's fixture, file:connectors/…)",
    )
    .option(
      '--license <spdx>',
      "the upstream's licence as an SPDX id (e.g. CC-BY-4.0); without it the entry declares none and promotion is denied LICENSE_MISSING",
    )
    .option(
      '--sensitivity <class>',
      `${SENSITIVITY_CLASSES.join(' | ')}; without it promotion is denied SENSITIVITY_MISSING`,
    )
    .action((id: string, flags: NewOptions) => cli.run(newConnector(id, flags, cli.globals())));
}
