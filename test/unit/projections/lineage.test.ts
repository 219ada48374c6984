import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Lineage, projectLineage } from '../../../src/projections/lineage.js';
import { lineageGraph, renderDot, renderMermaid } from '../../../src/projections/lineage-graph.js';
import { decodeRun } from '../../../src/projections/projection-columns.js';
import { projectRows } from '../../../src/projections/read-models.js';
import { labelledEdges, parseDot, parseMermaid } from './graph-syntax.js';
import { type Draft, historyArb, sealDrafts } from './lineage-events.js';

const H = (c: string) => c.repeat(64);
const ds = 'ks_demo';
const d = (type: string, run_id: string, payload: Record<string, unknown>): Draft => ({
  type,
  dataset_id: ds,
  run_id,
  payload,
});
const stage = (run: string, name: string, body: Draft[], status = 'succeeded'): Draft[] => [
  d('run.started', run, { stage: name, spec: { name }, spec_hash: H('a'), args: {}, dry_run: false }),
  ...body,
  d('run.completed', run, { status }),
];
const capture = (run: string, path: string, sha: string, seen_before = false) =>
  d('raw.captured', run, {
    capture_id: run,
    path,
    sha256: sha,
    bytes: 10,
    source_uri: 'https://example.org/a.csv',
    ...(seen_before ? { seen_before } : {}),
  });
const validated = (run: string, passed = true) =>
  d('validation.reported', run, { passed, checks: [{ name: 'schema', passed }] });
const registry = { dataset_id: ds, license: 'CC0-1.0', sensitivity: 'public', policy_labels: ['open'] };
const V1 = 'v1111111111111111';
const V2 = 'v2222222222222222';

/** r1 publishes V1; r2 re-captures r1's file, generalizes, publishes V2 over V1; r3 reuses V2; r4 is denied. */
const history = sealDrafts([
  ...stage('r1', 'ingest', [capture('r1', 'r1/a.csv', H('1'))]),
  ...stage('r1', 'validate', [validated('r1')]),
  ...stage('r1', 'promote', [
    d('version.published', 'r1', {
      version_id: V1,
      content_hash: H('c'),
      artifacts: [{ path: 'a.csv', sha256: H('1'), bytes: 10 }],
      supersedes: null,
      registry,
    }),
    d('catalog.emitted', 'r1', { kind: 'dcat', path: `dcat/${ds}.json`, sha256: H('d') }),
  ]),
  ...stage('r2', 'ingest', [capture('r2', 'r1/a.csv', H('1'), true), capture('r2', 'r2/b.csv', H('2'))]),
  ...stage('r2', 'transform', [
    d('work.artifact.written', 'r2', {
      path: 'runs/r2/b.csv',
      sha256: H('3'),
      bytes: 5,
      derived_from: ['r2/b.csv'],
    }),
    d('transform.applied', 'r2', {
      name: 'generalize_geometry',
      params: { precision_deg: 0.1 },
      inputs: ['r2/b.csv'],
      outputs: ['runs/r2/b.csv'],
      summary: {},
    }),
  ]),
  ...stage('r2', 'validate', [validated('r2')]),
  ...stage('r2', 'promote', [
    d('version.published', 'r2', {
      version_id: V2,
      content_hash: H('e'),
      artifacts: [{ path: 'b.csv', sha256: H('3'), bytes: 5 }],
      supersedes: V1,
      registry,
    }),
  ]),
  ...stage('r3', 'promote', [d('version.reused', 'r3', { version_id: V2, content_hash: H('e'), registry })]),
  ...stage(
    'r4',
    'promote',
    [d('promotion.denied', 'r4', { reasons: [{ code: 'LICENSE_MISSING', message: 'm' }] })],
    'denied',
  ),
]);
const head = history.at(-1)!.seq;
const v2Seq = history.find((e) => e.type === 'version.published' && e.run_id === 'r2')!.seq;
const lineage = (seq = head, version_id: string | null = null) =>
  projectLineage(ds, history, { as_of: { seq, requested: null }, version_id });

describe('projectLineage', () => {
  it('names every version with its run, catalogs and reuses, oldest first', () => {
    const all = lineage();
    expect(all.versions.map((v) => [v.version_id, v.run_id, v.supersedes])).toEqual([
      [V1, 'r1', null],
      [V2, 'r2', V1],
    ]);
    expect(all.versions[0]!.catalogs.map((c) => c.path)).toEqual([`dcat/${ds}.json`]);
    expect(all.versions[1]!.reused_by.map((r) => r.run_id)).toEqual(['r3']);
    expect(all.runs.map((r) => [r.run_id, r.status])).toEqual([
      ['r1', 'succeeded'],
      ['r2', 'succeeded'],
      ['r3', 'succeeded'],
      ['r4', 'denied'],
    ]);
  });

  it('names the exact raw captures and input versions each run used', () => {
    const r2 = lineage().runs.find((r) => r.run_id === 'r2')!;
    expect(r2.inputs.captures.map((c) => [c.path, c.sha256, c.seen_before, c.first_seen])).toEqual([
      ['r1/a.csv', H('1'), true, { run_id: 'r1', seq: 2 }],
      ['r2/b.csv', H('2'), false, null],
    ]);
    expect(r2.inputs.versions).toEqual([{ version_id: V1, relation: 'supersedes' }]);
    expect(r2.transforms.map((t) => [t.name, t.kind])).toEqual([['generalize_geometry', 'generalization']]);
    expect(lineage().runs.find((r) => r.run_id === 'r3')!.inputs.versions).toEqual([
      { version_id: V2, relation: 'reused' },
    ]);
  });

  it('as of a seq before a promotion, knows nothing of the version it published', () => {
    const before = lineage(v2Seq - 1);
    expect(before.versions.map((v) => v.version_id)).toEqual([V1]);
    expect(before.runs.find((r) => r.run_id === 'r2')).toMatchObject({ status: 'running', version_id: null });
    expect(before.runs.map((r) => r.run_id)).toEqual(['r1', 'r2']);
  });

  it('for one version, keeps only the run that published it', () => {
    const one = lineage(head, V2);
    expect(one.versions.map((v) => v.version_id)).toEqual([V2]);
    expect(one.runs.map((r) => r.run_id)).toEqual(['r2']);
  });

  describe('over random histories', () => {
    it('answers from the prefix alone: no later event changes an answer', () => {
      fc.assert(
        fc.property(historyArb, fc.nat(), ({ drafts }, pick) => {
          const events = sealDrafts(drafts);
          const seq = (pick % events.length) + 1;
          for (const dataset of ['ds_0', 'ds_1', 'ds_2']) {
            const asOf = { seq, requested: null };
            const prefix = events.filter((e) => e.seq <= seq);
            expect(projectLineage(dataset, events, { as_of: asOf })).toEqual(
              projectLineage(dataset, prefix, { as_of: asOf }),
            );
          }
        }),
        { numRuns: 150 },
      );
    });

    it('folds each run exactly as proj_runs does (one reducer)', () => {
      fc.assert(
        fc.property(historyArb, ({ drafts }) => {
          const events = sealDrafts(drafts);
          const rows = projectRows(events);
          for (const dataset of ['ds_0', 'ds_1', 'ds_2']) {
            const runs = projectLineage(dataset, events, {
              as_of: { seq: events.length, requested: null },
            }).runs;
            for (const run of runs) {
              const row = rows.proj_runs.get(`${dataset}/${run.run_id}`);
              expect(row).toBeDefined();
              expect(run).toMatchObject(decodeRun(row!));
            }
            const expected = [...rows.proj_runs.values()].filter((r) => r.dataset_id === dataset).length;
            expect(runs.length).toBe(expected);
          }
        }),
        { numRuns: 150 },
      );
    });

    it('renders graphs whose DOT and Mermaid read back as the same labelled edges', () => {
      fc.assert(
        fc.property(historyArb, ({ drafts }) => {
          const events = sealDrafts(drafts);
          const graph = lineageGraph(
            projectLineage('ds_0', events, { as_of: { seq: events.length, requested: null } }),
          );
          const dot = parseDot(renderDot(graph, 'lineage ds_0'));
          const mermaid = parseMermaid(renderMermaid(graph));
          expect(dot.nodes.size).toBe(graph.nodes.length);
          expect(labelledEdges(mermaid)).toEqual(labelledEdges(dot));
          expect([...dot.nodes.values()].map((n) => n.label)).toEqual(graph.nodes.map((n) => n.label));
        }),
        { numRuns: 100 },
      );
    });
  });
});

describe('lineageGraph', () => {
  const pathOf = (l: Lineage) => labelledEdges(parseDot(renderDot(lineageGraph(l), 'x')));

  it('chains source → raw → run → transforms → validation → version → catalogs', () => {
    const edges = pathOf(lineage(head, V1));
    expect(edges).toEqual([
      'https://example.org/a.csv -[captured]-> r1/a.csv\nsha256 111111111111',
      'r1/a.csv\nsha256 111111111111 -[input]-> run r1\ningest succeeded, validate succeeded, promote succeeded',
      'run r1\ningest succeeded, validate succeeded, promote succeeded -[validated]-> validation passed\n1 checks, seq 5',
      `validation passed\n1 checks, seq 5 -[published]-> ${V1}\ncontent cccccccccccc`,
      `${V1}\ncontent cccccccccccc -[dcat]-> dcat/${ds}.json`,
    ]);
    const v2 = pathOf(lineage(head, V2));
    expect(v2).toContain(`${V1} -[superseded by]-> ${V2}\ncontent eeeeeeeeeeee`);
    expect(v2.some((e) => e.includes('-[applied]-> generalize_geometry (generalization)'))).toBe(true);
  });

  it('shows a denial with its reason codes', () => {
    expect(pathOf(lineage()).some((e) => e.endsWith('-[promotion]-> denied\nLICENSE_MISSING'))).toBe(true);
  });

  it('escapes quotes and backslashes so labels survive both formats', () => {
    const graph = {
      nodes: [
        { id: 'source:a', kind: 'source' as const, label: 'say "hi" \\ there' },
        { id: 'raw:b', kind: 'raw' as const, label: 'b' },
      ],
      edges: [{ from: 'source:a', to: 'raw:b', label: 'x "y"' }],
    };
    expect(labelledEdges(parseDot(renderDot(graph, 'q"t')))).toEqual(['say "hi" \\ there -[x "y"]-> b']);
    expect(labelledEdges(parseMermaid(renderMermaid(graph)))).toEqual(['say "hi" \\ there -[x "y"]-> b']);
  });
});
