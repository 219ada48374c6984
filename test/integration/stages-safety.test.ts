import { existsSync, mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fixturePath } from '../support/examples.js';
import { kfm, stage } from '../support/kfm-cli.js';
import { ledgerEvents, ledgerPath, readHead } from '../support/ledger-file.js';
import { filesUnder } from '../support/promote-root.js';
import { snapshotTree, useStageRoots } from '../support/stage-root.js';

// What the stages refuse, and what they must never do: write outside their zones, append on bad
// input, or let exact coordinates of a sensitive-location dataset out of raw and work artifacts.

const roots = useStageRoots('stages-safety', [
  ['ingest', 'ks_county_population'],
  ['ingest', 'ks_archaeological_sites'],
]);

/** Asserts a command exited 2 with one `kfm: … [CODE]` line and appended nothing. */
async function expectRefused(root: string, args: string[], code: string, mentions: string[] = []) {
  const before = readHead(ledgerPath(root));
  const run = await kfm(root, args);
  expect(run.status, run.stderr).toBe(2);
  expect(run.stderr).toMatch(new RegExp(`^kfm: .+ \\[${code}\\]\\n$`));
  for (const text of mentions) expect(run.stderr).toContain(text);
  expect(readHead(ledgerPath(root))).toEqual(before);
  return run;
}

describe('a dataset_id that tries to leave the zones', () => {
  it.each([[['ingest', '../etc']], [['validate', '--dataset_id', '../etc', '--run_id', 'R1']]])(
    'kfm %j exits 2, appends nothing and creates nothing',
    async (args) => {
      const root = await roots.root();
      const before = snapshotTree(root);
      await expectRefused(root, args, 'USAGE', ['dataset_id']);
      expect(snapshotTree(root)).toEqual(before);
      expect(existsSync(join(root, 'data', 'etc'))).toBe(false);
    },
  );
});

describe('a flag that does not apply to the stage', () => {
  it.each([
    [['validate', 'ks_mesonet_stations', '--run_id', 'R1', '--since', '2026-01-01'], '--since'],
    [['transform', 'ks_archaeological_sites', '--run_id', 'R1', '--config', 'x.json'], '--config'],
    [['ingest', 'ks_mesonet_stations', '--emit_catalogs'], '--emit_catalogs'],
  ])('kfm %j is refused (exit 2) naming the flag, nothing appended', async (args, flag) => {
    const root = await roots.root();
    await expectRefused(root, args, 'USAGE', [flag]);
  });
});

describe('a bad registry entry', () => {
  it.each([
    ['broken YAML syntax', (text: string) => `${text}title: [unclosed\n`, 'line'],
    [
      'an invalid license',
      (text: string) => text.replace('license: CC-BY-4.0', 'license: CC-BY-99'),
      'license',
    ],
  ])('with %s: ingest exits 2 naming the file, ledger unchanged', async (_, mutate, field) => {
    const root = await roots.root();
    const file = join(root, 'data', 'registry', 'ks_mesonet_stations.yml');
    const text = readFileSync(file, 'utf8');
    expect(mutate(text)).not.toBe(text);
    writeFileSync(file, mutate(text));
    const run = await expectRefused(root, ['ingest', 'ks_mesonet_stations'], 'REGISTRY_INVALID', [
      'data/registry/ks_mesonet_stations.yml',
      field,
    ]);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(root, 'data', 'raw', 'ks_mesonet_stations'))).toBe(false);
  });
});

describe('a bad run spec (--spec)', () => {
  it.each([
    ['spec.json', '{"window": ', 'INVALID_INPUT'],
    ['spec.yml', 'window: [2026-01-01\n', 'INVALID_INPUT'],
    ['spec.yaml', 'threshold: .nan\n', 'NON_CANONICAL_VALUE'],
  ])('%s holding %j: exit 2 naming the file, ledger unchanged', async (name, text, code) => {
    const root = await roots.root();
    const file = join(root, name);
    writeFileSync(file, text);
    await expectRefused(root, ['ingest', 'ks_mesonet_stations', '--spec', file], code, [file]);
  });
});

describe('kfm ingest --dry-run', () => {
  it('exits 0, prints the plan, writes only data/work/<id>/runs/<run_id>/dry_run.json, appends nothing', async () => {
    const root = await roots.root();
    const before = snapshotTree(root);
    const head = await kfm(root, ['head']);
    const run = await kfm(root, ['ingest', 'ks_mesonet_stations', '--dry-run']);
    expect(run.status, run.stderr).toBe(0);
    const runId = /run (\S+): planned \(nothing appended\)/.exec(run.stdout)?.[1];
    expect(runId).toBeDefined();
    const planPath = `data/work/ks_mesonet_stations/runs/${runId}/dry_run.json`;
    const after = snapshotTree(root);
    expect([...after.keys()].filter((p) => !before.has(p))).toEqual([planPath]);
    for (const [path, digest] of before) expect(after.get(path), path).toBe(digest);
    expect((await kfm(root, ['head'])).stdout).toBe(head.stdout);
    const plan = JSON.parse(readFileSync(join(root, planPath), 'utf8')) as Record<string, unknown>;
    expect(plan).toMatchObject({ dry_run: true, stage: 'ingest', run_id: runId });
    expect(JSON.stringify(plan.plan)).toContain('stations.geojson');
    // The printed plan is the plan written (as pretty JSON between the summary and the receipt line).
    const printed = /^\{\n[\s\S]*?\n\}$/m.exec(run.stdout)?.[0];
    expect(JSON.parse(printed ?? 'null')).toEqual(plan.plan);
  });
});

describe('a failed validation', () => {
  it('exits 3, records run.completed failed with VALIDATION_FAILED, and names failing rows and fields', async () => {
    const root = await roots.root();
    const broken = JSON.parse(readFileSync(fixturePath('ks_mesonet_stations'), 'utf8')) as {
      features: { geometry: { coordinates: number[] }; properties: Record<string, unknown> }[];
    };
    broken.features[1]!.geometry.coordinates[0] = 999;
    broken.features[3]!.properties.station_id = 'bad';
    const copy = join(root, 'stations-broken.geojson');
    writeFileSync(copy, JSON.stringify(broken));
    writeFileSync(join(root, 'config.json'), JSON.stringify({ upstream: { uri: pathToFileURL(copy).href } }));
    const ingest = await stage(root, [
      'ingest',
      'ks_mesonet_stations',
      '--config',
      join(root, 'config.json'),
    ]);
    const runId = ingest.json.run_id;
    const validate = await stage(root, ['validate', 'ks_mesonet_stations', '--run_id', runId], 3);
    expect(validate.json).toMatchObject({ status: 'failed', exit: 3, passed: false });
    const completed = ledgerEvents(root, { run_id: runId, type: 'run.completed' });
    expect(completed.at(-1)?.payload).toMatchObject({
      status: 'failed',
      error: { code: 'VALIDATION_FAILED' },
    });
    const report = JSON.parse(
      readFileSync(
        join(root, 'data', 'work', 'ks_mesonet_stations', 'runs', runId, 'validation_report.json'),
        'utf8',
      ),
    ) as { passed: boolean; checks: { name: string; passed: boolean; details?: unknown }[] };
    expect(report.passed).toBe(false);
    const file = `${runId}/stations-broken.geojson`;
    expect(report.checks.filter((c) => !c.passed)).toEqual([
      expect.objectContaining({
        name: 'schema',
        details: {
          failed: 1,
          rows: [{ file, index: 3 }],
          fields: ['station_id'],
          // The fields connectors/ks_mesonet_stations/connector.ts declares: names and types only.
          declared_fields: [
            { name: 'station_id', type: 'string' },
            { name: 'name', type: 'string' },
            { name: 'county', type: 'string' },
            { name: 'elevation_m', type: 'number' },
            { name: 'established', type: 'date' },
          ],
        },
      }),
      expect.objectContaining({
        name: 'geometry',
        details: { failed: 1, rows: [{ file, index: 1 }], fields: ['geometry'] },
      }),
    ]);
  });
});

describe('the exact coordinates of a sensitive-location dataset', () => {
  const EXACT = '-98.455205';

  function sitesCopy(root: string, mutate: (text: string) => string): string {
    const text = readFileSync(fixturePath('ks_archaeological_sites'), 'utf8');
    expect(text).toContain(EXACT);
    const copy = join(root, 'sites-copy.geojson');
    writeFileSync(copy, mutate(text));
    writeFileSync(join(root, 'config.json'), JSON.stringify({ upstream: { uri: pathToFileURL(copy).href } }));
    return join(root, 'config.json');
  }

  /** Every raw coordinate of the fixture, as written there. */
  const coordinates = (): string[] =>
    [...readFileSync(fixturePath('ks_archaeological_sites'), 'utf8').matchAll(/-?\d+\.\d{4,}/g)].map(
      (m) => m[0],
    );

  function expectNoCoordinates(root: string, runId: string, texts: string[]) {
    const runDir = join(root, 'data', 'work', 'ks_archaeological_sites', 'runs', runId);
    const receipts = filesUnder(runDir)
      .filter((f) => f.endsWith('.json') && !f.startsWith('artifacts/'))
      .map((f) => readFileSync(join(runDir, f), 'utf8'));
    expect(receipts.length).toBeGreaterThanOrEqual(1);
    const ledger = ledgerEvents(root).map((e) => JSON.stringify(e));
    const manifest = readFileSync(
      join(root, 'data', 'raw', 'ks_archaeological_sites', 'manifest.yml'),
      'utf8',
    );
    for (const coordinate of coordinates()) {
      for (const text of [...receipts, ...ledger, ...texts, manifest]) expect(text).not.toContain(coordinate);
    }
  }

  it('never appear in reports, receipts, events or logs when records fail schema and geometry', async () => {
    const root = await roots.root();
    const config = sitesCopy(root, (text) =>
      text.replace('"SYN-0001"', '"site at -98.455205"').replace('37.475682', '137.475682'),
    );
    const ingest = await stage(root, ['ingest', 'ks_archaeological_sites', '--config', config, '--log_json']);
    const runId = ingest.json.run_id;
    // Validated as captured (no transform), so the exact raw records are what the checks read.
    const validate = await stage(
      root,
      ['validate', 'ks_archaeological_sites', '--run_id', runId, '--log_json'],
      3,
    );
    const human = await stage(root, ['validate', 'ks_archaeological_sites', '--run_id', runId], 3);
    expect(validate.json.failed).toEqual(expect.arrayContaining(['schema', 'geometry']));
    const log = await kfm(root, ['--json', 'log']);
    expect(log.stdout).toContain('validation.reported');
    expectNoCoordinates(root, runId, [
      log.stdout,
      ingest.stdout,
      ingest.stderr,
      validate.stdout,
      validate.stderr,
      human.stdout,
      human.stderr,
    ]);
  });

  it('never appear in events or logs when the transform cannot parse the capture', async () => {
    const root = await roots.root();
    // JSON.parse quotes the text around an unexpected token in its message: here, a coordinate.
    const config = sitesCopy(root, (text) => text.replace('37.475682', 'x37.475682'));
    const ingest = await stage(root, ['ingest', 'ks_archaeological_sites', '--config', config]);
    const runId = ingest.json.run_id;
    const transform = await kfm(root, [
      'transform',
      'ks_archaeological_sites',
      '--run_id',
      runId,
      '--log_json',
    ]);
    expect(transform.status).toBe(4);
    expect(transform.stderr).toMatch(/\nkfm: [0-9A-Z]{26}\/sites-copy\.geojson: not valid JSON \[IO\]\n$/);
    const completed = ledgerEvents(root, { run_id: runId, type: 'run.completed' });
    expect(completed.at(-1)?.payload).toMatchObject({ status: 'failed', error: { code: 'IO' } });
    expectNoCoordinates(root, runId, [transform.stdout, transform.stderr]);
  });
});

describe('a symlink in a zone that points outside the root', () => {
  const POPULATION = 'ks_county_population';
  const SITES = 'ks_archaeological_sites';

  // The folder moved out of the zone and symlinked back, as a path in that zone, given the run.
  it.each([
    ['ingest', POPULATION, 'raw', () => POPULATION],
    ['ingest', POPULATION, 'work', () => POPULATION],
    ['ingest --dry-run', POPULATION, 'work', () => POPULATION],
    ['transform', SITES, 'work', (run: string) => `${SITES}/runs/${run}/artifacts`],
    ['validate', POPULATION, 'work', () => POPULATION],
    ['promote', POPULATION, 'work', () => POPULATION],
    ['promote', POPULATION, 'processed', () => POPULATION],
    ['promote', POPULATION, 'catalog', () => `prov/${POPULATION}`],
  ])(
    'refuses %s %s through data/%s before recording anything (exit 2), writing nothing through the link',
    async (command, dataset, zone, relOf) => {
      const root = await roots.root();
      const runId = ledgerEvents(root, { type: 'run.started', dataset_id: dataset })[0]!.run_id;
      const rel = relOf(runId);
      const link = join(root, 'data', zone, rel);
      const outside = join(roots.dir(), 'moved');
      if (existsSync(link)) renameSync(link, outside);
      else mkdirSync(outside);
      mkdirSync(dirname(link), { recursive: true });
      symlinkSync(outside, link);
      const moved = snapshotTree(outside);
      const [name, ...flags] = command.split(' ');
      const args = [name!, dataset, ...(name === 'ingest' ? flags : ['--run_id', runId])];
      await expectRefused(root, args, 'PATH_UNSAFE', [`${zone} path "${rel}`, 'nothing was recorded']);
      expect(snapshotTree(outside)).toEqual(moved);
    },
  );
});
