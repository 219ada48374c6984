import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Lineage } from '../../src/projections/lineage.js';
import type { LineageGraph } from '../../src/projections/lineage-graph.js';
import { useDemoRoots } from '../support/demo-root.js';
import { fixturePath } from '../support/examples.js';
import { kfm, kfmJson, kfmLog, stage } from '../support/kfm-cli.js';
import { labelledEdges, parseDot, parseMermaid } from '../unit/projections/graph-syntax.js';

// The query commands end to end through the built CLI, on a real `kfm demo` root to which a second
// county promotion, a failed validation and a denied promotion are added.

type Json = Record<string, unknown>;
type LineageJson = Lineage & { graph: LineageGraph };
const COUNTY = 'ks_county_population';
const SITES = 'ks_archaeological_sites';

/** An upstream file with the county fixture's name and edited content, and a --config naming it. */
function upstreamConfig(dir: string, name: string, edit: (csv: string) => string): string {
  mkdirSync(join(dir, name), { recursive: true });
  const csv = join(dir, name, 'county_population.csv');
  writeFileSync(csv, edit(readFileSync(fixturePath(COUNTY), 'utf8')));
  const config = join(dir, `${name}.json`);
  writeFileSync(config, JSON.stringify({ upstream: { uri: `file://${csv}` } }));
  return config;
}

describe('kfm versions, runs, show, prov and lineage on a demo root', () => {
  const tempDir = useDemoRoots('lineage');
  let root = '';
  let demoHead = 0;
  let lineageAtDemoHead = '';
  const run = { second: '', failed: '', denied: '' };

  beforeAll(async () => {
    const dir = tempDir();
    root = await tempDir.pristine();
    demoHead = (await kfmJson<{ seq: number }>(root, ['head'])).json.seq;
    lineageAtDemoHead = (await kfm(root, ['--json', 'lineage', COUNTY])).stdout;

    const second = upstreamConfig(dir, 'second', (csv) => csv.replace('71000', '72000'));
    run.second = (await stage(root, ['ingest', COUNTY, '--config', second])).json.run_id;
    await stage(root, ['validate', COUNTY, '--run_id', run.second]);
    await stage(root, ['promote', COUNTY, '--run_id', run.second]);

    const broken = upstreamConfig(dir, 'broken', (csv) => csv.replace('71000', 'not-a-number'));
    run.failed = (await stage(root, ['ingest', COUNTY, '--config', broken])).json.run_id;
    await stage(root, ['validate', COUNTY, '--run_id', run.failed], 3);

    const third = upstreamConfig(dir, 'third', (csv) => csv.replace('71000', '73000'));
    run.denied = (await stage(root, ['ingest', COUNTY, '--config', third])).json.run_id;
    await stage(root, ['promote', COUNTY, '--run_id', run.denied], 3);
  }, 300_000);

  describe('kfm versions', () => {
    it('lists versions oldest first with content hash, run, supersedes and artifacts (--json)', async () => {
      const { status, json } = await kfmJson<Json[]>(root, ['versions', COUNTY]);
      expect(status).toBe(0);
      expect(json).toHaveLength(2);
      const [v1, v2] = json as [Json, Json];
      expect(Object.keys(v1).sort()).toEqual(
        [
          'artifacts',
          'bbox',
          'content_hash',
          'dataset_id',
          'hash',
          'published_at',
          'reused_by',
          'run_id',
          'seq',
          'superseded_by',
          'supersedes',
          'version_id',
        ].sort(),
      );
      expect(v1).toMatchObject({ supersedes: null, superseded_by: v2.version_id, reused_by: [] });
      expect(v2).toMatchObject({ run_id: run.second, supersedes: v1.version_id, superseded_by: null });
      for (const v of json) {
        expect(v.version_id).toBe(`v${(v.content_hash as string).slice(0, 16)}`);
        const folder = join(root, 'data', 'processed', COUNTY, v.version_id as string);
        expect(readdirSync(folder).sort()).toEqual(['checksums.sha256', 'county_population.csv']);
        const [proof] = await kfmLog(root, ['--since_seq', String((v.seq as number) - 1), '--limit', '1']);
        expect(proof).toMatchObject({ type: 'version.published', hash: v.hash, run_id: v.run_id });
      }
    });

    it('prints an aligned table with relative times', async () => {
      const { status, stdout } = await kfm(root, ['versions', COUNTY]);
      expect(status).toBe(0);
      const [header, ...rows] = stdout.trimEnd().split('\n');
      expect(header).toMatch(/^VERSION\s+CONTENT\s+CREATED\s+SEQ\s+RUN\s+SUPERSEDES\s+ARTIFACTS$/);
      expect(rows).toHaveLength(2);
      for (const row of rows) {
        expect(row).toMatch(/^v[0-9a-f]{16} /);
        expect(row).toMatch(/(just now|\d+ (s|min) ago)/);
        const runCell = row.split(/\s{2,}/)[4]!;
        expect(row.indexOf(runCell)).toBe(header!.indexOf('RUN'));
      }
    });
  });

  describe('kfm runs', () => {
    it('lists every run oldest first, and only one status with --status', async () => {
      const all = await kfmJson<Json[]>(root, ['runs']);
      expect(all.json.map((r) => r.dataset_id)).toEqual([
        'ks_mesonet_stations',
        COUNTY,
        SITES,
        COUNTY,
        COUNTY,
        COUNTY,
      ]);
      const failed = await kfmJson<Json[]>(root, ['runs', '--status', 'failed']);
      expect(failed.json.map((r) => r.run_id)).toEqual([run.failed]);
      expect(failed.json[0]).toMatchObject({ status: 'failed', validation: { passed: false } });
      const denied = await kfmJson<Json[]>(root, ['runs', COUNTY, '--status', 'denied']);
      expect(denied.json.map((r) => [r.run_id, r.denied])).toEqual([[run.denied, ['VALIDATION_MISSING']]]);
      const county = await kfmJson<Json[]>(root, ['runs', COUNTY, '--status', 'succeeded']);
      expect(county.json.map((r) => r.version_id)).toHaveLength(2);
      const stages = (county.json[0]!.stages as Json[]).map((s) => [s.stage, s.status]);
      expect(stages).toEqual([
        ['ingest', 'succeeded'],
        ['validate', 'succeeded'],
        ['promote', 'succeeded'],
      ]);
    });

    it('refuses an unknown status as a usage error', async () => {
      expect((await kfm(root, ['runs', '--status', 'bogus'])).status).toBe(2);
    });
  });

  describe('kfm show', () => {
    it('shows a run with every event that proves it', async () => {
      const { status, json } = await kfmJson<Json>(root, ['show', run.second]);
      expect(status).toBe(0);
      const events = await kfmLog(root, ['--run_id', run.second]);
      expect(json.kind).toBe('run');
      expect(json.events).toEqual(
        events.map((e) => ({ seq: e.seq, type: e.type, hash: e.hash, recorded_at: e.recorded_at })),
      );
      expect(json.run).toMatchObject({
        run_id: run.second,
        status: 'succeeded',
        promotion: { outcome: 'published' },
      });
      expect((json.versions as Json[]).map((v) => v.run_id)).toEqual([run.second]);
    });

    it('shows a version, an event by seq and by event id', async () => {
      const [v1] = (await kfmJson<Json[]>(root, ['versions', COUNTY])).json;
      const version = await kfmJson<Json>(root, ['show', v1!.version_id as string]);
      expect(version.json).toMatchObject({
        kind: 'version',
        version: { version_id: v1!.version_id, seq: v1!.seq },
      });
      expect(
        (version.json.events as Json[]).some((e) => e.seq === v1!.seq && e.type === 'version.published'),
      ).toBe(true);
      const bySeq = await kfmJson<Json>(root, ['show', String(v1!.seq)]);
      expect(bySeq.json).toMatchObject({
        kind: 'event',
        event: { seq: v1!.seq, hash: v1!.hash },
        version: { version_id: v1!.version_id },
      });
      const eventId = (bySeq.json.event as Json).event_id as string;
      const byId = await kfmJson<Json>(root, ['show', eventId]);
      expect(byId.json).toEqual(bySeq.json);
    });
  });

  describe('kfm prov', () => {
    it('prints the PROV-JSON of the latest promotion, byte for byte the catalog file', async () => {
      const { status, stdout } = await kfm(root, ['prov', COUNTY]);
      expect(status).toBe(0);
      expect(stdout).toBe(
        readFileSync(join(root, 'data/catalog/prov', COUNTY, `run_${run.second}.json`), 'utf8'),
      );
      expect(JSON.parse(stdout)).toHaveProperty('activity');
      const sites = await kfm(root, ['prov', SITES]);
      expect(JSON.stringify(JSON.parse(sites.stdout))).toContain('generalize_geometry');
    });

    it('renders a named run, even one that never promoted', async () => {
      const { status, stdout } = await kfm(root, ['prov', COUNTY, '--run_id', run.failed]);
      expect(status).toBe(0);
      expect(stdout).toContain('kfm:ValidationReport');
    });
  });

  describe('kfm lineage', () => {
    it('traces source → raw → runs → validation → transforms → version → catalogs (--format json)', async () => {
      const { status, json } = await kfmJson<LineageJson>(root, ['lineage', SITES]);
      expect(status).toBe(0);
      expect(json).toMatchObject({
        dataset_id: SITES,
        version_id: null,
        as_of: { seq: expect.any(Number), requested: null },
      });
      expect(json.upstream.map((u) => u.source_uri)).toEqual([expect.stringMatching(/sites\.geojson$/)]);
      const [r] = json.runs;
      expect(r!.stages.map((s) => s.stage)).toEqual(['ingest', 'transform', 'validate', 'promote']);
      for (const s of r!.stages) expect(s.spec_hash).toMatch(/^[0-9a-f]{64}$/);
      const manifest = readFileSync(join(root, 'data/raw', SITES, 'manifest.yml'), 'utf8');
      expect(r!.inputs.captures).toHaveLength(1);
      expect(manifest).toContain(r!.inputs.captures[0]!.sha256);
      expect(r!.transforms.map((t) => [t.name, t.kind])).toEqual([['generalize_geometry', 'generalization']]);
      expect(r!.validation_report).toMatchObject({ passed: true });
      const [v] = json.versions;
      expect(v!.catalogs.map((c) => c.kind).sort()).toEqual(['dcat', 'dcat', 'prov', 'stac', 'stac']);
      // data/catalog/dcat/catalog.json lists every dataset: later promotions of others rewrote it.
      for (const c of v!.catalogs.filter((c) => c.path !== 'dcat/catalog.json')) {
        const bytes = readFileSync(join(root, 'data/catalog', c.path));
        expect(c.sha256).toBe(execFileSync('sha256sum', { input: bytes }).toString().slice(0, 64));
      }
      const kinds = new Set(json.graph.nodes.map((n) => n.kind));
      expect([...kinds].sort()).toEqual([
        'catalog',
        'raw',
        'run',
        'source',
        'transform',
        'validation',
        'version',
      ]);
    });

    it('answers for one version with only the run that published it', async () => {
      const [v1, v2] = (await kfmJson<Json[]>(root, ['versions', COUNTY])).json;
      const { json } = await kfmJson<LineageJson>(root, ['lineage', `${COUNTY}@${v2!.version_id}`]);
      expect(json.versions.map((v) => v.version_id)).toEqual([v2!.version_id]);
      expect(json.runs.map((r) => r.run_id)).toEqual([run.second]);
      expect(json.runs[0]!.inputs.versions).toEqual([{ version_id: v1!.version_id, relation: 'supersedes' }]);
    });

    it('as of a point before a later promotion, gives exactly the answer it gave then', async () => {
      const [v1, v2] = (await kfmJson<Json[]>(root, ['versions', COUNTY])).json;
      const then = JSON.parse(lineageAtDemoHead) as LineageJson;
      const asOf = await kfmJson<LineageJson>(root, ['lineage', COUNTY, '--as-of', String(demoHead)]);
      expect({ ...asOf.json, as_of: null }).toEqual({ ...then, as_of: null });
      expect(asOf.json.as_of).toEqual({ seq: demoHead, requested: String(demoHead) });
      expect(asOf.json.versions.map((v) => v.version_id)).toEqual([v1!.version_id]);

      const byVersion = await kfmJson<LineageJson>(root, [
        'lineage',
        COUNTY,
        '--as-of',
        v1!.version_id as string,
      ]);
      expect(byVersion.json.versions.map((v) => v.version_id)).toEqual([v1!.version_id]);
      const publishedAt = Date.parse(v2!.published_at as string);
      const byTime = await kfmJson<LineageJson>(root, [
        'lineage',
        COUNTY,
        '--as-of',
        new Date(publishedAt - 1).toISOString(),
      ]);
      expect(byTime.json.versions.map((v) => v.version_id)).toEqual([v1!.version_id]);
      expect(byTime.json.runs.find((r) => r.run_id === run.second)?.version_id ?? null).toBeNull();

      const gone = await kfmJson<Json>(root, [
        'lineage',
        `${COUNTY}@${v2!.version_id}`,
        '--as-of',
        String(demoHead),
      ]);
      expect(gone.status).toBe(2);
      expect(gone.json).toMatchObject({
        code: 'NOT_FOUND',
        message: expect.stringContaining(v2!.version_id as string),
      });
    });

    it('prints DOT that parses to the JSON graph (and renders with Graphviz where installed)', async () => {
      const { json } = await kfmJson<LineageJson>(root, ['lineage', COUNTY]);
      const { status, stdout } = await kfm(root, ['lineage', COUNTY, '--format', 'dot']);
      expect(status).toBe(0);
      const dot = parseDot(stdout);
      expect([...dot.nodes.values()].map((n) => n.label)).toEqual(json.graph.nodes.map((n) => n.label));
      expect(dot.edges).toHaveLength(json.graph.edges.length);
      expect(labelledEdges(dot)).toContain(
        `${json.versions[0]!.version_id}\ncontent ${json.versions[0]!.content_hash.slice(0, 12)} -[superseded by]-> ${json.versions[1]!.version_id}\ncontent ${json.versions[1]!.content_hash.slice(0, 12)}`,
      );
      const graphviz = spawnSync('dot', ['-Tsvg'], { input: stdout });
      if (graphviz.error === undefined) {
        expect(graphviz.status).toBe(0);
        expect(graphviz.stdout.toString()).toContain('<svg');
      }
    });

    it('prints a Mermaid flowchart LR with the same edges', async () => {
      const dot = parseDot((await kfm(root, ['lineage', COUNTY, '--format', 'dot'])).stdout);
      const { status, stdout } = await kfm(root, ['lineage', COUNTY, '--format', 'mermaid']);
      expect(status).toBe(0);
      expect(stdout.split('\n')[0]).toBe('flowchart LR');
      expect(labelledEdges(parseMermaid(stdout))).toEqual(labelledEdges(dot));
    });

    it('prints text with the version, its run, stages and seqs', async () => {
      const { stdout } = await kfm(root, ['lineage', SITES]);
      expect(stdout).toMatch(/^lineage of ks_archaeological_sites as of seq \d+/);
      expect(stdout).toMatch(/generalize_geometry \(generalization\)/);
      expect(stdout).toMatch(/validation\s+passed/);
    });
  });

  describe('an unknown dataset, version, run or id', () => {
    const cases: [string, string[], string][] = [
      ['versions of an unknown dataset', ['versions', 'ks_nope'], 'ks_nope'],
      ['runs of an unknown dataset', ['runs', 'ks_nope'], 'ks_nope'],
      ['prov of an unknown dataset', ['prov', 'ks_nope'], 'ks_nope'],
      ['prov of an unknown run', ['prov', COUNTY, '--run_id', 'NO_SUCH_RUN'], 'NO_SUCH_RUN'],
      ['lineage of an unknown dataset', ['lineage', 'ks_nope'], 'ks_nope'],
      ['lineage of an unknown version', ['lineage', `${COUNTY}@v0000000000000000`], 'v0000000000000000'],
      [
        'lineage as of an unknown version',
        ['lineage', COUNTY, '--as-of', 'v0000000000000000'],
        'v0000000000000000',
      ],
      ['lineage as of a seq past the head', ['lineage', COUNTY, '--as-of', '999999'], '999999'],
      ['show of an unknown run', ['show', 'NO_SUCH_RUN'], 'NO_SUCH_RUN'],
      ['show of an unknown version', ['show', 'v0000000000000000'], 'v0000000000000000'],
      ['show of a seq past the head', ['show', '999999'], '999999'],
    ];
    // Eleven cases × two processes: a few at a time, with time to spare on a busy machine.
    it('exits 2 with NOT_FOUND naming it, in JSON and on stderr', { timeout: 180_000 }, async () => {
      for (let i = 0; i < cases.length; i += 3) {
        await Promise.all(
          cases.slice(i, i + 3).map(async ([name, args, named]) => {
            const [json, human] = await Promise.all([kfmJson<Json>(root, args), kfm(root, args)]);
            expect(json.status, name).toBe(2);
            expect(json.json, name).toMatchObject({
              code: 'NOT_FOUND',
              message: expect.stringContaining(named),
            });
            expect(human.stdout, name).toBe('');
            expect(human.stderr, name).toMatch(new RegExp(`kfm: .*${named}.*\\[NOT_FOUND\\]`));
          }),
        );
      }
    });

    it('refuses --as-of text that is no seq, time or version id, and a time in the future', async () => {
      expect((await kfm(root, ['lineage', COUNTY, '--as-of', 'yesterday'])).status).toBe(2);
      expect((await kfm(root, ['lineage', COUNTY, '--as-of', '2999-01-01T00:00:00Z'])).status).toBe(2);
    });
  });
});
