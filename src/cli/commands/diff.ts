import type { Command } from 'commander';
import { EXIT, KfmError } from '../../errors.js';
import { diffVersions, type VersionDiff } from '../../projections/version-diff.js';
import { COMMAND_SUMMARIES } from '../command-summaries.js';
import { shortHash } from '../human-table.js';
import { type Cli, type CommandRun, type GlobalOptions, type Io, writeJson } from '../io.js';
import { parseVersionRef, readPublishedVersions, versionOf } from '../published-versions.js';

/**
 * `kfm diff <dataset_id>@<v1> <dataset_id>@<v2>`, or `kfm diff <dataset_id>` for its last two
 * versions: what changed between two published versions, from their version.published events alone.
 */
export function diffCommand(options: GlobalOptions & { refs: string[] }): CommandRun {
  return async (io) => {
    const refs = options.refs.map(parseVersionRef);
    const datasets = new Set(refs.map((r) => r.dataset_id));
    if (
      refs.length > 2 ||
      datasets.size !== 1 ||
      (refs.length === 2 && refs.some((r) => r.version_id === undefined))
    )
      throw new KfmError(
        'INVALID_INPUT',
        `kfm diff takes <dataset_id> or <dataset_id>@<v1> <dataset_id>@<v2> of one dataset; got ${options.refs.join(' ')}`,
      );
    const [first] = refs as [ReturnType<typeof parseVersionRef>];
    const versions = await readPublishedVersions(options, first.dataset_id);
    const [from, to] =
      refs.length === 2
        ? refs.map((r) => versionOf(versions, r))
        : versions.length >= 2
          ? versions.slice(-2)
          : [];
    if (from === undefined || to === undefined)
      throw new KfmError(
        'NOT_FOUND',
        `${first.dataset_id} has one published version (${versions[0]?.version_id}): nothing to diff it with`,
        { details: { dataset_id: first.dataset_id, versions: versions.map((v) => v.version_id) } },
      );
    const diff = diffVersions(from, to);
    if (options.json) writeJson(io, diff);
    else writeDiff(io, diff);
    return EXIT.ok;
  };
}

function writeDiff(io: Io, diff: VersionDiff): void {
  const lines = [
    `${diff.dataset_id}: ${diff.from.version_id} (seq ${diff.from.seq}) → ${diff.to.version_id} (seq ${diff.to.seq})`,
  ];
  const a = diff.artifacts;
  for (const x of a.added) lines.push(`  + ${x.path} (${shortHash(x.sha256)})`);
  for (const x of a.removed) lines.push(`  - ${x.path} (${shortHash(x.sha256)})`);
  for (const x of a.changed)
    lines.push(`  ~ ${x.path} (${shortHash(x.from.sha256)} → ${shortHash(x.to.sha256)})`);
  for (const path of a.unchanged) lines.push(`  = ${path}`);
  if (!diff.profiled)
    lines.push('profiles: not recorded for both versions (one was published before kfm recorded them)');
  else {
    lines.push(`rows: ${diff.rows?.from} → ${diff.rows?.to}`);
    const c = diff.columns;
    if (c.added.length > 0) lines.push(`columns added: ${c.added.join(', ')}`);
    if (c.removed.length > 0) lines.push(`columns removed: ${c.removed.join(', ')}`);
    for (const r of c.retyped) lines.push(`column ${r.name} retyped: ${r.from} → ${r.to}`);
    const deltas = diff.deltas.filter((d) => d.metric !== 'rows');
    if (deltas.length === 0) lines.push('profile: no other metric changed');
    for (const d of deltas)
      lines.push(
        `  ${d.column === null ? '' : `${d.column}.`}${d.metric}: ${d.from ?? '—'} → ${d.to ?? '—'}`,
      );
  }
  io.stdout(`${lines.join('\n')}\n`);
}

export function registerDiff(program: Command, cli: Cli): void {
  program
    .command('diff')
    .argument('<version...>', '<dataset_id> (its last two versions) or <dataset_id>@<v1> <dataset_id>@<v2>')
    .description(COMMAND_SUMMARIES.diff.description)
    .action((refs: string[]) => cli.run(diffCommand({ ...cli.globals(), refs })));
}
