import type { Command } from 'commander';
import { EXIT } from '../../errors.js';
import type { DatasetProfile } from '../../events/index.js';
import type { PublishedVersion } from '../../projections/version-diff.js';
import { COMMAND_SUMMARIES } from '../command-summaries.js';
import { renderTable } from '../human-table.js';
import { type Cli, type CommandRun, type GlobalOptions, humanWidth, type Io, writeJson } from '../io.js';
import { parseVersionRef, readPublishedVersions, versionOf } from '../published-versions.js';

/** `kfm profile <dataset_id>[@<version_id>]`: a version's profile as its version.published recorded it. */
export function showProfile(options: GlobalOptions & { ref: string }): CommandRun {
  return async (io) => {
    const ref = parseVersionRef(options.ref);
    const version = versionOf(await readPublishedVersions(options, ref.dataset_id), ref);
    const answer = {
      dataset_id: version.dataset_id,
      version_id: version.version_id,
      seq: version.seq,
      published_at: version.published_at,
      profile: version.profile ?? null,
    };
    if (options.json) writeJson(io, answer);
    else writeProfile(io, version, humanWidth(options, io));
    return EXIT.ok;
  };
}

function writeProfile(io: Io, version: PublishedVersion, width: number): void {
  const head = `${version.dataset_id}@${version.version_id} (seq ${version.seq})`;
  const profile = version.profile;
  if (profile === undefined) {
    io.stdout(`${head}: no profile recorded (published before kfm recorded profiles)\n`);
    return;
  }
  const lines = [`${head}: ${profile.rows} rows in ${profile.artifacts.length} artifact(s)`];
  for (const a of profile.artifacts) lines.push(`  ${a.path}: ${a.rows} rows`);
  if (profile.keys !== undefined) {
    const k = profile.keys;
    const how = k.distinct_exact ? '' : ' (estimated)';
    lines.push(
      `keys ${k.fields.join(', ')}: ${k.unique ? 'unique' : `${k.duplicates} duplicate(s)`}, ${k.distinct} distinct${how}`,
    );
  }
  if (profile.geometry !== undefined) lines.push(geometryLine(profile));
  if (profile.generalized_deg !== undefined)
    lines.push(`ranges widened to a ${profile.generalized_deg}° grid (sensitive-location)`);
  io.stdout(`${lines.join('\n')}\n`);
  io.stdout(
    renderTable(
      ['COLUMN', 'TYPE', 'NULLS', 'NULL %', 'DISTINCT', 'MIN', 'MAX'],
      profile.columns.map((c) => [
        c.name,
        c.type,
        String(c.nulls),
        percent(c.null_rate),
        `${c.distinct}${c.distinct_exact ? '' : '~'}`,
        c.restricted ? '(restricted)' : String(c.min ?? c.earliest ?? '—'),
        c.restricted ? '(restricted)' : String(c.max ?? c.latest ?? '—'),
      ]),
      width,
      [0, 5, 6],
    ),
  );
}

function geometryLine(profile: DatasetProfile): string {
  const g = profile.geometry!;
  const types = Object.entries(g.types)
    .map(([type, n]) => `${type} ${n}`)
    .join(', ');
  return `geometry: ${g.features} feature(s) (${types}), bbox ${g.bbox === null ? 'none' : `[${g.bbox.join(', ')}]`}`;
}

function percent(fraction: number): string {
  return `${Number((fraction * 100).toFixed(2))}`;
}

export function registerProfile(program: Command, cli: Cli): void {
  program
    .command('profile')
    .argument('<dataset_id[@version_id]>', 'the dataset, and the version (default: its latest)')
    .description(COMMAND_SUMMARIES.profile.description)
    .action((ref: string) => cli.run(showProfile({ ...cli.globals(), ref })));
}
