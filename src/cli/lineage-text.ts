import type { LedgerEvent } from '../projections/ledger-event.js';
import type { Lineage, LineageRun, LineageVersion } from '../projections/lineage.js';
import type { RunRow, VersionRow } from '../projections/projection-rows.js';
import { duration, formatBytes, relativeTime, renderTable, shortHash } from './human-table.js';
import type { Io } from './io.js';
import type { proofOf } from './query-access.js';

type Proof = ReturnType<typeof proofOf>;

/** What `kfm show` found (its --json output). */
export type Shown =
  | { kind: 'event'; event: LedgerEvent; run: RunRow | null; version: VersionRow | null }
  | { kind: 'run'; run: LineageRun; versions: LineageVersion[]; events: Proof }
  | { kind: 'version'; version: LineageVersion; run: LineageRun | null; events: Proof };

/**
 * Human renderings of lineage answers (`kfm lineage`, `kfm show`): one block per version, then its
 * run — inputs, stages, transforms, validation, promotion — with seqs so every line can be checked
 * with `kfm show <seq>`. Aligned columns, times relative to `now`.
 */

const indent = (text: string, by: string) =>
  text
    .split('\n')
    .map((line) => (line === '' ? line : by + line))
    .join('\n');

export function renderRunText(run: LineageRun, now: number, width = Number.POSITIVE_INFINITY): string {
  const rows: string[][] = [];
  for (const c of run.inputs.captures) {
    const origin =
      c.first_seen === null ? '' : ` (stored by run ${c.first_seen.run_id}, seq ${c.first_seen.seq})`;
    rows.push([
      'raw',
      `${c.path}${origin}`,
      `sha256 ${shortHash(c.sha256)}`,
      formatBytes(c.bytes),
      `seq ${c.seq}`,
    ]);
  }
  for (const v of run.inputs.versions) rows.push(['version', `${v.version_id} (${v.relation})`, '', '', '']);
  for (const s of run.stages) {
    const error = s.error === null ? '' : ` ${s.error.code}`;
    const seqs = `seq ${s.started_seq}–${s.completed_seq ?? '…'}`;
    const when = `${relativeTime(s.started_at, now)}, ${duration(s.started_at, s.completed_at)}`;
    rows.push([s.stage, `${s.status}${error}`, `spec ${shortHash(s.spec_hash)}`, when, seqs]);
  }
  for (const t of run.transforms) {
    const kind = t.kind === 'transform' ? '' : ` (${t.kind})`;
    rows.push([
      'transform',
      `${t.name}${kind}`,
      `${t.inputs.length} in → ${t.outputs.length} out`,
      '',
      `seq ${t.seq}`,
    ]);
  }
  const v = run.validation_report;
  if (v !== null) {
    const failed = v.failed_checks.length === 0 ? '' : `: ${v.failed_checks.join(', ')}`;
    rows.push([
      'validation',
      `${v.passed ? 'passed' : 'failed'}${failed}`,
      `${v.checks} checks`,
      '',
      `seq ${v.seq}`,
    ]);
  }
  const p = run.promotion;
  if (p !== null) {
    const what = p.outcome === 'denied' ? p.reasons.map((r) => r.code).join(', ') : (p.version_id ?? '');
    rows.push(['promotion', p.outcome, what, '', `seq ${p.seq}`]);
  }
  const head = `run ${run.run_id}  ${run.status}  seq ${run.first_seq}–${run.last_seq}\n`;
  const table = renderTable(['WHAT', 'DETAIL', 'HASH / COUNT', 'SIZE / WHEN', 'SEQ'], rows, width - 2, [1]);
  return head + indent(table, '  ');
}

export function renderVersionText(
  version: LineageVersion,
  now: number,
  width = Number.POSITIVE_INFINITY,
): string {
  const lines = [
    `version ${version.version_id}  content ${shortHash(version.content_hash)}  published ${relativeTime(version.published_at, now)} (seq ${version.seq})  supersedes ${version.supersedes ?? '—'}`,
  ];
  const rows = [
    ...version.artifacts.map((a) => [
      'artifact',
      a.path,
      `sha256 ${shortHash(a.sha256)}`,
      formatBytes(a.bytes),
      '',
    ]),
    ...version.catalogs.map((c) => ['catalog', c.path, `sha256 ${shortHash(c.sha256)}`, '', `seq ${c.seq}`]),
    ...version.reused_by.map((r) => ['reused by', `run ${r.run_id}`, '', '', `seq ${r.seq}`]),
  ];
  if (rows.length > 0)
    lines.push(
      indent(renderTable(['WHAT', 'PATH', 'HASH', 'SIZE', 'SEQ'], rows, width - 2, [1]), '  ').trimEnd(),
    );
  return `${lines.join('\n')}\n`;
}

/** How many members of a repeated group (sources of one endpoint, child runs of one parent) to list. */
export const DEFAULT_LINEAGE_LIMIT = 3;

/** A URI without its query and fragment: the endpoint a backfill asks once per window. */
function endpointOf(uri: string): string {
  const cut = uri.search(/[?#]/);
  return cut < 0 ? uri : uri.slice(0, cut);
}

/** 3650 → "3,650", without loading ICU's number formatting (tens of milliseconds at start-up). */
function count(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+$)/g, ',');
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}

/**
 * Upstream lines, one per endpoint: a backfill asks the same endpoint once per window, so thousands
 * of URIs that differ only in their query become one line with a count, then up to `limit` of them.
 */
function upstreamLines(upstream: Lineage['upstream'], limit: number): string[] {
  const byEndpoint = new Map<string, Lineage['upstream']>();
  for (const u of upstream) {
    const endpoint = endpointOf(u.source_uri);
    const group = byEndpoint.get(endpoint);
    if (group === undefined) byEndpoint.set(endpoint, [u]);
    else group.push(u);
  }
  const lines: string[] = [];
  for (const [endpoint, sources] of byEndpoint) {
    if (sources.length === 1) {
      lines.push(`upstream  ${sources[0]!.source_uri}  (first seen seq ${sources[0]!.first_seq})`);
      continue;
    }
    const seqs = sources.map((u) => u.first_seq);
    lines.push(
      `upstream  ${plural(sources.length, 'request')} to ${endpoint}?…  (first seen seq ${Math.min(...seqs)}–${Math.max(...seqs)})`,
    );
    for (const u of sources.slice(0, limit)) lines.push(`            ${u.source_uri}  (seq ${u.first_seq})`);
    if (sources.length > limit)
      lines.push(`            … ${count(sources.length - limit)} more (--all lists them)`);
  }
  return lines;
}

/**
 * A parent run's children in one summary line (their count by status and seq span), then up to
 * `limit` of them in full: those that did not succeed first, since they are what an operator looks for.
 */
function childRunsText(children: LineageRun[], now: number, width: number, limit: number): string[] {
  const byStatus = new Map<string, number>();
  for (const c of children) byStatus.set(c.status, (byStatus.get(c.status) ?? 0) + 1);
  const counts = [...byStatus].map(([status, n]) => `${count(n)} ${status}`).join(', ');
  const first = Math.min(...children.map((c) => c.first_seq));
  const last = Math.max(...children.map((c) => c.last_seq));
  const out = [`  ${plural(children.length, 'child run')}: ${counts}  seq ${first}–${last}`];
  const listed = [
    ...children.filter((c) => c.status !== 'succeeded'),
    ...children.filter((c) => c.status === 'succeeded'),
  ]
    .slice(0, limit)
    .sort((a, b) => a.first_seq - b.first_seq);
  for (const child of listed) out.push(indent(renderRunText(child, now, width - 4), '    ').trimEnd());
  if (children.length > listed.length)
    out.push(
      `    … ${plural(children.length - listed.length, 'more child run')} (--all lists them; kfm show <run_id> shows one)`,
    );
  return out;
}

/**
 * `kfm lineage` as text. Versions come first, each with the run that published it; then the other
 * runs, with a backfill's child runs summarised under their parent. `limit` bounds how many members
 * of a repeated group are listed (Infinity: all), so a dataset of thousands of windows stays readable.
 */
export function renderLineageText(
  lineage: Lineage,
  now: number,
  width = Number.POSITIVE_INFINITY,
  limit = DEFAULT_LINEAGE_LIMIT,
): string {
  const at = lineage.as_of.requested === null ? '' : ` (--as-of ${lineage.as_of.requested})`;
  const out = [
    `lineage of ${lineage.dataset_id}${lineage.version_id ? `@${lineage.version_id}` : ''} as of seq ${lineage.as_of.seq}${at}`,
    ...upstreamLines(lineage.upstream, limit),
  ];
  const byId = new Map(lineage.runs.map((r) => [r.run_id, r]));
  const shown = new Set<string>();
  for (const version of lineage.versions) {
    out.push('', renderVersionText(version, now, width).trimEnd());
    const run = byId.get(version.run_id);
    if (run !== undefined) {
      shown.add(run.run_id);
      out.push(indent(renderRunText(run, now, width - 2), '  ').trimEnd());
    }
  }
  const others = lineage.runs.filter((r) => !shown.has(r.run_id));
  const children = new Map<string, LineageRun[]>();
  for (const run of others) {
    const parent = run.parent_run_id;
    if (parent === null || !byId.has(parent) || shown.has(parent)) continue;
    const group = children.get(parent);
    if (group === undefined) children.set(parent, [run]);
    else group.push(run);
  }
  const tops = others.filter((r) => !(r.parent_run_id !== null && children.has(r.parent_run_id)));
  if (tops.length > 0) out.push('', 'runs that published no version:');
  for (const run of tops) {
    out.push(indent(renderRunText(run, now, width - 2), '  ').trimEnd());
    const kids = children.get(run.run_id);
    if (kids !== undefined) out.push(...childRunsText(kids, now, width, limit));
  }
  return `${out.join('\n')}\n`;
}

export function printShown(io: Io, shown: Shown, now: number, width = Number.POSITIVE_INFINITY): void {
  if (shown.kind === 'event') {
    const e = shown.event;
    io.stdout(
      `event seq ${e.seq}  ${e.type}  ${e.dataset_id}  run ${e.run_id}  ${relativeTime(e.recorded_at, now)}\n`,
    );
    io.stdout(`  event_id ${e.event_id}\n  hash     ${e.hash}\n  prev     ${e.prev_hash}\n`);
    io.stdout(`  payload  ${JSON.stringify(e.payload)}\n`);
    if (shown.run !== null)
      io.stdout(`  run      ${shown.run.run_id} ${shown.run.status} (kfm show ${shown.run.run_id})\n`);
    if (shown.version !== null)
      io.stdout(`  version  ${shown.version.version_id} published at seq ${shown.version.seq}\n`);
    return;
  }
  if (shown.kind === 'run') {
    io.stdout(`${shown.run.dataset_id}\n${renderRunText(shown.run, now, width)}`);
    for (const v of shown.versions) io.stdout(renderVersionText(v, now, width));
  } else {
    io.stdout(renderVersionText(shown.version, now, width));
    if (shown.run !== null) io.stdout(indent(renderRunText(shown.run, now, width - 2), '  '));
  }
  io.stdout(`events that prove it:\n`);
  io.stdout(
    indent(
      renderTable(
        ['SEQ', 'TYPE', 'HASH', 'RECORDED'],
        shown.events.map((e) => [String(e.seq), e.type, e.hash, relativeTime(e.recorded_at, now)]),
        width - 2,
        [2],
      ),
      '  ',
    ),
  );
}
