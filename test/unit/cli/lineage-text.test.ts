import { describe, expect, it } from 'vitest';
import { renderLineageText } from '../../../src/cli/lineage-text.js';
import { projectLineage } from '../../../src/projections/lineage.js';
import { ledgerEvents, started } from '../../support/ledger-events.js';

// `kfm lineage` text for a backfill of many windows (issue 13): one line per upstream endpoint and
// one summary per parent run, with --limit members listed and --all listing every one.

const DS = 'ks_daily';
const day = (n: number) => new Date(Date.UTC(2026, 0, 1 + n)).toISOString();
const uri = (n: number) => `http://up.example/daily?start=${day(n)}&end=${day(n + 1)}`;

/** A backfill parent `bf` with `windows` child ingest runs; child 2 failed, the rest succeeded. */
function backfillLineage(windows: number) {
  const drafts: [string, string, Record<string, unknown>][] = [
    ['bf', 'run.started', { ...started('backfill'), window: { since: day(0), until: day(windows) } }],
  ];
  for (let n = 0; n < windows; n++) {
    const child = `c${String(n).padStart(4, '0')}`;
    drafts.push(
      [
        child,
        'run.started',
        { ...started('ingest'), window: { since: day(n), until: day(n + 1) }, parent_run_id: 'bf' },
      ],
      [child, 'source.discovered', { source_uri: uri(n), capabilities: {} }],
      [
        child,
        'run.completed',
        n === 2
          ? { status: 'failed', error: { code: 'UPSTREAM_FAILED', message: 'HTTP 503' } }
          : { status: 'succeeded' },
      ],
    );
  }
  drafts.push(
    ['bf', 'run.completed', { status: 'succeeded' }],
    ['solo', 'source.discovered', { source_uri: 'https://other.example/all.csv', capabilities: {} }],
  );
  const events = ledgerEvents(DS, drafts);
  return projectLineage(DS, events, { as_of: { seq: events.length, requested: null }, version_id: null });
}

const NOW = Date.parse('2026-11-02T00:00:00Z');
const runLines = (text: string) => text.split('\n').filter((l) => /^\s+run c\d{4}/.test(l));

describe('renderLineageText for a backfill of many windows', () => {
  const lineage = backfillLineage(40);

  it('folds the requests to one endpoint into one line with their count and seq span', () => {
    const text = renderLineageText(lineage, NOW, Number.POSITIVE_INFINITY, 2);
    const upstream = text.split('\n').filter((l) => l.startsWith('upstream'));
    expect(upstream).toEqual([
      'upstream  40 requests to http://up.example/daily?…  (first seen seq 3–120)',
      'upstream  https://other.example/all.csv  (first seen seq 123)',
    ]);
    expect(text).toContain(
      `            ${uri(0)}  (seq 3)\n            ${uri(1)}  (seq 6)\n            … 38 more`,
    );
    expect(text).not.toContain(uri(2));
  });

  it('summarises the children under their parent and lists the failed one first, within the limit', () => {
    const text = renderLineageText(lineage, NOW, Number.POSITIVE_INFINITY, 2);
    expect(text).toContain('  40 child runs: 39 succeeded, 1 failed  seq 2–121\n');
    // The failed child always makes the cut; the rest of the limit goes to the first by seq.
    expect(runLines(text).map((l) => l.trim().split(/\s+/)[1])).toEqual(['c0000', 'c0002']);
    expect(text).toContain('    … 38 more child runs (--all lists them; kfm show <run_id> shows one)');
    expect(text.split('\n').length).toBeLessThan(30);
  });

  it('lists every request and child run with an infinite limit (--all), in seq order', () => {
    const text = renderLineageText(lineage, NOW, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY);
    expect(runLines(text)).toHaveLength(40);
    expect(runLines(text).map((l) => l.trim().split(/\s+/)[1])).toEqual(
      Array.from({ length: 40 }, (_, n) => `c${String(n).padStart(4, '0')}`),
    );
    for (let n = 0; n < 40; n++) expect(text).toContain(`${uri(n)}  (seq ${3 * n + 3})`);
    expect(text).not.toContain('more');
  });

  it('prints a single source of an endpoint as it is, and a run without a parent in its own block', () => {
    const single = backfillLineage(1);
    const text = renderLineageText(single, NOW);
    expect(text).toContain(`upstream  ${uri(0)}  (first seen seq 3)\n`);
    expect(text).toContain('  1 child run: 1 succeeded  seq 2–4\n');
    expect(runLines(text)).toHaveLength(1);
  });
});
