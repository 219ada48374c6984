import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { backfill, DS as STREAMFLOW, useBackfillRoots } from '../support/backfill-root.js';
import { useDemoRoots } from '../support/demo-root.js';
import { STATIONS } from '../support/examples.js';
import { type KfmRun, runKfm, stage } from '../support/kfm-cli.js';
import { ledgerEvents } from '../support/ledger-file.js';
import { type LineageSink, startLineageSink } from '../support/lineage-sink.js';
import { openLineageIssues } from '../support/openlineage-schema.js';
import { editRegistry } from '../support/promote-root.js';
import { initRoot } from '../support/stage-root.js';
import { useTempDirs } from '../support/temp-dirs.js';

// `kfm openlineage` through the built CLI (issue 14): the export of a demo root, a denial and a
// backfill, each event checked against the official OpenLineage 2-0-2 schemas, and --emit into a
// test endpoint that goes down and comes back.

const demos = useDemoRoots('openlineage');
const roots = useTempDirs('openlineage');
const backfills = useBackfillRoots('openlineage');
let demo: string;

beforeAll(async () => {
  demo = await demos.pristine();
}, 120_000);

const openlineage = (root: string, args: readonly string[] = []) =>
  runKfm(['--root', root, 'openlineage', ...args]);

/** Parsed event JSON, navigated freely: the schema check, not the type system, vouches for its shape. */
type EventJson = ReturnType<typeof JSON.parse>;

function linesOf(run: KfmRun): EventJson[] {
  expect(run.status, run.stderr).toBe(0);
  return run.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
}

function expectValid(events: readonly unknown[]): void {
  for (const event of events) expect(openLineageIssues(event, { strict: true })).toEqual([]);
}

describe('kfm openlineage', () => {
  it('prints a START and a COMPLETE for every stage run of the demo, each valid OpenLineage 2-0-2', async () => {
    const events = linesOf(await openlineage(demo));
    expectValid(events);
    const started = ledgerEvents(demo, { type: 'run.started' });
    expect(events).toHaveLength(started.length * 2);
    expect(events.filter((e) => e.eventType === 'START').map((e) => e.run.facets.kfm_ledger.seq)).toEqual(
      started.map((e) => e.seq),
    );
    expect(new Set(events.map((e) => e.eventType))).toEqual(new Set(['START', 'COMPLETE']));
    const genesis = ledgerEvents(demo)[0]!;
    expect(new Set(events.map((e) => e.job.namespace))).toEqual(
      new Set([`kfm://${genesis.hash.slice(0, 32)}`]),
    );
    const published = events
      .flatMap((e) => e.outputs)
      .filter((o) => o.facets.version.datasetVersion.startsWith('v'));
    expect(published.map((o) => o.name).sort()).toEqual([
      'ks_archaeological_sites',
      'ks_county_population',
      'ks_mesonet_stations',
    ]);
    // The record schema connectors/ks_county_population/connector.ts declares, as its schema facet.
    expect(published.find((o) => o.name === 'ks_county_population').facets.schema.fields).toEqual([
      { name: 'county', type: 'string' },
      { name: 'fips', type: 'string' },
      { name: 'year', type: 'integer' },
      { name: 'population', type: 'integer' },
    ]);
  });

  it('answers --as-of, --since-seq and a dataset filter with slices of the same bytes', async () => {
    const whole = (await openlineage(demo)).stdout.split('\n').filter((l) => l !== '');
    const seq = (line: string) => JSON.parse(line).run.facets.kfm_ledger.seq as number;
    const asOf = (await openlineage(demo, ['--as-of', '16'])).stdout.split('\n').filter((l) => l !== '');
    expect(asOf).toEqual(whole.filter((l) => seq(l) <= 16));
    const since = (await openlineage(demo, ['--since-seq', '16'])).stdout.split('\n').filter((l) => l !== '');
    expect(since).toEqual(whole.filter((l) => seq(l) > 16));
    const one = linesOf(await openlineage(demo, [STATIONS, '--namespace', 'kfm://site-a']));
    expect(new Set(one.map((e) => e.job.name.split('.')[0]))).toEqual(new Set([STATIONS]));
    expect(new Set(one.map((e) => e.job.namespace))).toEqual(new Set(['kfm://site-a']));
  });

  it('refuses an unknown dataset, and a time --as-of without a dataset, as usage errors', async () => {
    expect((await openlineage(demo, ['ks_nowhere'])).status).toBe(2);
    const run = await openlineage(demo, ['--as-of', '2026-01-01T00:00:00Z']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/needs a <dataset_id>/);
  });

  it('makes a denied promotion a FAIL carrying the gate codes', async () => {
    const root = roots();
    await initRoot(root);
    for (const step of ['ingest', 'validate']) await stage(root, [step, STATIONS, '--run_id', 'denied-1']);
    editRegistry(root, STATIONS, (e) => e.delete('license'));
    await stage(root, ['promote', STATIONS, '--run_id', 'denied-1'], 3);
    const events = linesOf(await openlineage(root));
    expectValid(events);
    const fail = events.filter((e) => e.eventType === 'FAIL');
    expect(fail).toHaveLength(1);
    expect(fail[0]!.job.name).toBe(`${STATIONS}.promote`);
    expect(fail[0]!.run.facets.kfm_ledger).toMatchObject({
      status: 'denied',
      denial_codes: ['LICENSE_MISSING'],
    });
    expect(fail[0]!.run.facets.errorMessage.message).toMatch(/LICENSE_MISSING/);
  }, 120_000);

  it('gives backfill children the backfill as parent and their window as nominalTime', async () => {
    const server = await backfills.upstream({ pageSize: 3 });
    const root = await backfills.root({ uri: server.base });
    const run = await backfill(root, '2026-01-01', '2026-01-03', ['--json']);
    expect(run.status, run.stderr).toBe(0);
    const events = linesOf(await openlineage(root.dir, [STREAMFLOW]));
    expectValid(events);
    const parent = events.find((e) => e.job.name === `${STREAMFLOW}.backfill` && e.eventType === 'START')!;
    const children = events.filter((e) => e.run.facets.parent.job.name === `${STREAMFLOW}.backfill`);
    // Two windows, each an ingest and a validate child stage, each a START and a COMPLETE.
    expect(children).toHaveLength(8);
    for (const child of children) expect(child.run.facets.parent.run.runId).toBe(parent.run.runId);
    expect([...new Set(children.map((e) => e.run.facets.nominalTime.nominalStartTime))]).toEqual([
      '2026-01-01T00:00:00.000Z',
      '2026-01-02T00:00:00.000Z',
    ]);
  }, 120_000);
});

describe('kfm openlineage --emit', () => {
  let sink: LineageSink;
  afterEach(async () => sink?.close());

  it('POSTs every event in order with the Bearer key, and resumes after the endpoint was down', async () => {
    sink = await startLineageSink();
    const root = demos.clone(demo);
    const expected = (await openlineage(root)).stdout.split('\n').filter((l) => l !== '');
    const emit = () => openlineage(root, ['--emit', sink.base, '--api-key', 'k-123', '--json']);
    // Up for 7 events, then down for longer than one event's retries (5 attempts).
    sink.down(6, 7);
    const first = await emit();
    expect(first.status, first.stderr).toBe(4);
    expect(JSON.parse(first.stdout)).toMatchObject({
      code: 'OPENLINEAGE_EMIT_FAILED',
      details: { last: 'HTTP 503' },
    });
    expect(sink.accepted).toEqual(expected.slice(0, 7));
    expect(sink.requests.filter((r) => r.status === 503)).toHaveLength(5);
    const cursor = JSON.parse(readFileSync(join(root, 'data', 'work', '.openlineage-cursor.json'), 'utf8'));
    expect(Object.values(cursor.cursors)).toEqual([
      { seq: JSON.parse(expected[6]!).run.facets.kfm_ledger.seq },
    ]);

    const second = await emit();
    expect(second.status, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ delivered: expected.length - 7 });
    expect(sink.accepted).toEqual(expected);
    expect(new Set(sink.requests.map((r) => `${r.method} ${r.path} ${r.authorization}`))).toEqual(
      new Set(['POST /api/v1/lineage Bearer k-123']),
    );

    const requests = sink.requests.length;
    const third = await emit();
    expect(JSON.parse(third.stdout)).toMatchObject({ delivered: 0 });
    expect(sink.requests).toHaveLength(requests);
  }, 120_000);

  it('ends a promote with delivery when KFM_OPENLINEAGE_URL is set; an endpoint that is down only warns', async () => {
    sink = await startLineageSink();
    const root = roots();
    await initRoot(root);
    const env = { KFM_OPENLINEAGE_URL: sink.base, KFM_OPENLINEAGE_API_KEY: 'k-9' };
    const promote = (run: string) =>
      runKfm(['--root', root, '--json', 'promote', STATIONS, '--run_id', run], { env });
    for (const run of ['up', 'down'])
      for (const step of ['ingest', 'validate']) await stage(root, [step, STATIONS, '--run_id', run]);

    const up = await promote('up');
    expect(up.status, up.stderr).toBe(0);
    expect(JSON.parse(up.stdout)).toMatchObject({ stage: 'promote', status: 'succeeded' });
    const soFar = (await openlineage(root)).stdout.split('\n').filter((l) => l !== '');
    expect(sink.accepted).toEqual(soFar);
    expect(new Set(sink.requests.map((r) => r.authorization))).toEqual(new Set(['Bearer k-9']));

    sink.down(1000);
    const down = await promote('down');
    expect(down.status, down.stderr).toBe(0);
    expect(down.stderr).toMatch(/openlineage: .*503.*the promotion stands/);
    expect(ledgerEvents(root, { type: 'version.reused' }).map((e) => e.run_id)).toEqual(['down']);

    sink.down(0);
    const resumed = await openlineage(root, ['--emit', sink.base]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(sink.accepted).toEqual((await openlineage(root)).stdout.split('\n').filter((l) => l !== ''));
  }, 120_000);

  it('refuses a cursor file it cannot read, naming it, and sends nothing', async () => {
    sink = await startLineageSink();
    const root = demos.clone(demo);
    const cursor = join(root, 'data', 'work', '.openlineage-cursor.json');
    writeFileSync(cursor, '{"cursors": {"x": {"seq": -1}}}');
    const run = await openlineage(root, ['--emit', sink.base]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(cursor);
    expect(run.stderr).toMatch(/delete it/);
    expect(sink.requests).toEqual([]);
  });
});
