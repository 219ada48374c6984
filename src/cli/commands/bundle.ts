import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { type BundleFailure, checkVersionBundle } from '../../audit/check-version-bundle.js';
import { buildVersionBundle, VersionBundle } from '../../audit/version-bundle.js';
import { EXIT, KfmError } from '../../errors.js';
import { isEventOfType } from '../../events/index.js';
import { nodeTreeHasher } from '../../tlog/node-tree-hasher.js';
import { sha256File } from '../../zones/file-digest.js';
import { COMMAND_SUMMARIES } from '../command-summaries.js';
import { type Cli, type CommandRun, type GlobalOptions, type Io, resolvePaths, writeJson } from '../io.js';
import { withLedger } from '../ledger-access.js';
import { collect, readBytes, trustedKeys } from './verify-proof.js';

function parseRef(ref: string): { datasetId: string; versionId: string } {
  const at = ref.indexOf('@');
  if (at <= 0 || at === ref.length - 1)
    throw new KfmError(
      'USAGE',
      `${ref}: expected <dataset_id>@<version_id>, e.g. ks_mesonet_stations@v6407d5c12b7f5404`,
    );
  return { datasetId: ref.slice(0, at), versionId: ref.slice(at + 1) };
}

/** `kfm bundle <dataset_id>@<version_id> --out <file>`: the version's offline proof bundle. */
export function writeBundle(ref: string, options: GlobalOptions & { out: string }): CommandRun {
  return async (io) => {
    const { datasetId, versionId } = parseRef(ref);
    const bundle = await withLedger(resolvePaths(options).ledger, { readOnly: true }, (door) =>
      buildVersionBundle(door, datasetId, versionId),
    );
    const out = resolve(options.out);
    writeFileSync(out, `${JSON.stringify(bundle, null, 2)}\n`);
    const size = bundle.entries[0]!.proof.split('\n\n')[1]!.split('\n')[1];
    if (options.json) writeJson(io, { path: out, entries: bundle.entries.length, tree_size: Number(size) });
    else
      io.stdout(
        `wrote ${out}: ${bundle.entries.length} events of ${ref}, proved against the checkpoint of size ${size}\n`,
      );
    return EXIT.ok;
  };
}

async function parseBundle(file: string): Promise<VersionBundle> {
  const text = new TextDecoder().decode(await readBytes('bundle', file));
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new KfmError(
      'INVALID_INPUT',
      `${file}: not JSON (${(error as Error).message}); is it a kfm bundle?`,
      {
        details: { file },
      },
    );
  }
  const parsed = VersionBundle.safeParse(value);
  if (!parsed.success)
    throw new KfmError(
      'INVALID_INPUT',
      `${file}: not a kfm version bundle: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ')}`,
      { details: { file } },
    );
  return parsed.data;
}

/** Each artifact the version.published event lists, under `dir`, must have its recorded sha256. */
async function artifactFailures(dir: string, artifacts: readonly { path: string; sha256: string }[]) {
  const failures: BundleFailure[] = [];
  for (const artifact of artifacts) {
    const path = join(dir, artifact.path);
    try {
      const { sha256 } = await sha256File(path);
      if (sha256 !== artifact.sha256)
        failures.push({
          code: 'ARTIFACT_MISMATCH',
          message: `${path} has sha256 ${sha256}; the version records ${artifact.sha256}`,
        });
    } catch (error) {
      failures.push({
        code: 'ARTIFACT_MISSING',
        message: `${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      });
    }
  }
  return failures;
}

interface VerifyBundleOptions {
  vkey?: string[];
  origin?: string;
  artifacts?: string;
}

/** `kfm verify-bundle <file> --vkey <key> [--artifacts <dir>]`: checks a bundle with no ledger. */
export function verifyBundle(file: string, options: GlobalOptions & VerifyBundleOptions): CommandRun {
  return async (io) => {
    const verifiers = trustedKeys(options.vkey ?? []);
    const origin = options.origin ?? verifiers[0]?.name;
    if (origin === undefined)
      throw new KfmError('USAGE', 'verify-bundle needs --vkey <verifier key> of the log');
    const bundle = await parseBundle(file);
    const checked = checkVersionBundle(bundle, { origin, verifiers, hasher: nodeTreeHasher });
    const failures = [...checked.failures];
    const published = checked.published;
    if (
      failures.length === 0 &&
      options.artifacts !== undefined &&
      published !== undefined &&
      isEventOfType(published, 'version.published')
    )
      failures.push(...(await artifactFailures(resolve(options.artifacts), published.payload.artifacts)));
    report(io, options.json === true, {
      ok: failures.length === 0,
      dataset_id: bundle.dataset_id,
      version_id: bundle.version_id,
      events: bundle.entries.length,
      artifacts_checked: failures.length === 0 && options.artifacts !== undefined,
      failures,
    });
    return failures.length === 0 ? EXIT.ok : EXIT.integrity;
  };
}

function report(
  io: Io,
  json: boolean,
  outcome: {
    ok: boolean;
    dataset_id: string;
    version_id: string;
    events: number;
    artifacts_checked: boolean;
    failures: BundleFailure[];
  },
): void {
  if (json) {
    writeJson(io, outcome);
    return;
  }
  const what = `${outcome.dataset_id}@${outcome.version_id}`;
  if (outcome.ok) {
    const files = outcome.artifacts_checked ? ', and every artifact matches its checksum' : '';
    io.stdout(
      `ok: ${outcome.events} events of ${what} are in the signed log and form its stage history${files}\n`,
    );
    return;
  }
  io.stdout(`FAILED: the bundle of ${what} does not hold\n`);
  for (const f of outcome.failures)
    io.stdout(`  ${f.seq === undefined ? '' : `seq ${f.seq}  `}${f.code}  ${f.message}\n`);
}

export function registerBundle(program: Command, cli: Cli): void {
  program
    .command('bundle')
    .description(COMMAND_SUMMARIES.bundle.description)
    .argument('<dataset_id@version_id>', 'the version, e.g. ks_mesonet_stations@v6407d5c12b7f5404')
    .requiredOption('--out <file>', 'where to write the bundle (JSON)')
    .addHelpText(
      'after',
      '\nNeeds a stored checkpoint covering the run (`kfm checkpoint --key <file>`).\n\nExit codes: 0 written, 2 usage (unknown version, no covering checkpoint, MIGRATION_REQUIRED), 4 I/O error.',
    )
    .action((ref: string, opts: { out: string }) => cli.run(writeBundle(ref, { ...cli.globals(), ...opts })));
  program
    .command('verify-bundle')
    .description(COMMAND_SUMMARIES['verify-bundle'].description)
    .argument('<file>', 'the bundle')
    .requiredOption('--vkey <vkey>', 'a trusted verifier key of the log (repeatable)', collect)
    .option('--origin <origin>', 'the log origin the checkpoint must name (default: the first --vkey name)')
    .option(
      '--artifacts <dir>',
      "the version's folder (data/processed/<dataset_id>/<version_id>/): hash every artifact",
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 the bundle holds, 1 it does not (each failure named: a tlog-proof failure such as\nSIGNATURE_INVALID or ROOT_MISMATCH, BUNDLE_HISTORY_INCOHERENT, BUNDLE_CHECKSUMS_MISMATCH,\nARTIFACT_MISMATCH, ARTIFACT_MISSING …), 2 the file is no bundle or a --vkey is malformed.',
    )
    .action((file: string, opts: VerifyBundleOptions) =>
      cli.run(verifyBundle(file, { ...cli.globals(), ...opts })),
    );
}
