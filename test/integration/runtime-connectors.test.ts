import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POPULATION } from '../support/examples.js';
import { type FlakyServer, startFlakyServer } from '../support/flaky-server.js';
import { kfm, kfmHead, type PromoteJson, stage } from '../support/kfm-cli.js';
import { initRoot, snapshotTree } from '../support/stage-root.js';
import { useTempDirs } from '../support/temp-dirs.js';

// Issue 15: connectors in <root>/connectors/<dataset_id>/ loaded at run time (found before the
// project's), and `kfm connector new … --from csv|geojson|http` scaffolding one that promotes.

const roots = useTempDirs('runtime-connectors');

interface Scaffold {
  dataset_id: string;
  from: string;
  files: string[];
}

/** Licence and sensitivity only the data's owner can declare: given here, as the README's walk-through does. */
const DECLARED = ['--license', 'CC-BY-4.0', '--sensitivity', 'public'];

async function scaffold(root: string, id: string, from: string, extra: string[] = []): Promise<Scaffold> {
  return (await stage<Scaffold>(root, ['connector', 'new', id, '--from', from, ...DECLARED, ...extra])).json;
}

/** ingest → validate → promote → verify --deep, each through the CLI; returns the promotion. */
async function promoteNew(root: string, id: string): Promise<PromoteJson> {
  const ingest = await stage(root, ['ingest', id]);
  expect(ingest.json.captured).toBe(1);
  const validate = await stage(root, ['validate', id, '--run_id', ingest.json.run_id]);
  expect(validate.json.passed).toBe(true);
  const promote = await stage<PromoteJson>(root, ['promote', id, '--run_id', ingest.json.run_id]);
  expect((await kfm(root, ['verify', '--deep'])).status).toBe(0);
  return promote.json;
}

describe('kfm connector new', () => {
  it.each([
    ['csv', 'connectors/csv_sites/fixtures/sample.csv', false],
    ['geojson', 'connectors/geojson_sites/fixtures/sample.geojson', true],
  ])(
    '--from %s scaffolds connector, registry entry and fixture, and the scaffold promotes',
    async (from, fixture, spatial) => {
      const root = roots();
      await kfm(root, ['init']);
      const id = `${from}_sites`;
      const made = await scaffold(root, id, from);
      expect(made.files).toEqual([`connectors/${id}/connector.js`, `data/registry/${id}.yml`, fixture]);
      const registry = readFileSync(join(root, 'data', 'registry', `${id}.yml`), 'utf8');
      expect(registry).toContain(`uri: file:${fixture}`);
      expect(registry).toContain(`spatial: ${spatial}`);
      // Every field promotion requires is there: registry validate reports nothing missing.
      const check = await stage<{ ok: boolean; datasets: { missing: unknown[] }[] }>(root, [
        'registry',
        'validate',
        id,
      ]);
      expect(check.json.ok).toBe(true);
      expect(check.json.datasets[0]!.missing).toEqual([]);
      const promoted = await promoteNew(root, id);
      expect(promoted.status).toBe('succeeded');
      // STAC only for the spatial (GeoJSON) scaffold.
      expect(promoted.catalogs.some((c) => c.includes('stac'))).toBe(spatial);
    },
    60_000,
  );

  describe('--from http', () => {
    let server: FlakyServer;
    beforeAll(async () => {
      server = await startFlakyServer();
    });
    afterAll(() => server.close());

    it('points upstream.uri at --upstream and ingests over HTTP', async () => {
      const root = roots();
      await kfm(root, ['init']);
      const upstream = server.url('/exports/records.csv');
      await scaffold(root, 'http_sites', 'http', ['--upstream', upstream]);
      // The scaffold's fixture is what the upstream serves here.
      const body = readFileSync(join(root, 'connectors', 'http_sites', 'fixtures', 'sample.csv'), 'utf8');
      server.script('/exports/records.csv', [{ kind: 'ok', body, headers: { 'content-type': 'text/csv' } }]);
      expect(readFileSync(join(root, 'data', 'registry', 'http_sites.yml'), 'utf8')).toContain(
        `uri: ${upstream}`,
      );
      const promoted = await promoteNew(root, 'http_sites');
      expect(promoted.status).toBe('succeeded');
      expect(server.requestsTo('/exports/records.csv').length).toBeGreaterThan(0);
    }, 60_000);
  });

  it('declares no licence or sensitivity it was not given: promotion is denied for both (fail closed)', async () => {
    const root = roots();
    await kfm(root, ['init']);
    expect((await kfm(root, ['connector', 'new', 'undeclared', '--from', 'csv'])).status).toBe(0);
    const registry = readFileSync(join(root, 'data', 'registry', 'undeclared.yml'), 'utf8');
    expect(registry).not.toMatch(/^license:/m);
    expect(registry).not.toMatch(/^sensitivity:/m);
    const check = await stage<{ datasets: { missing: { code: string }[] }[] }>(root, [
      'registry',
      'validate',
      'undeclared',
    ]);
    expect(check.json.datasets[0]!.missing.map((m) => m.code)).toEqual([
      'LICENSE_MISSING',
      'SENSITIVITY_MISSING',
    ]);
    const ingest = await stage(root, ['ingest', 'undeclared']);
    const runId = ingest.json.run_id as string;
    await kfm(root, ['validate', 'undeclared', '--run_id', runId]);
    const promote = await stage<{ reasons: { code: string }[] }>(
      root,
      ['promote', 'undeclared', '--run_id', runId],
      3,
    );
    expect(promote.json.reasons.map((r) => r.code)).toEqual(
      expect.arrayContaining(['LICENSE_MISSING', 'SENSITIVITY_MISSING']),
    );
  }, 60_000);

  it('refuses a licence or sensitivity the registry would refuse, writing nothing', async () => {
    const root = roots();
    await kfm(root, ['init']);
    const before = snapshotTree(root);
    const run = await stage(root, ['connector', 'new', 'bad', '--from', 'csv', '--sensitivity', 'secret'], 2);
    expect(run.json).toMatchObject({ code: 'USAGE', details: { field: 'sensitivity' } });
    expect(snapshotTree(root)).toEqual(before);
  });

  it('refuses to overwrite any file it would write (exit 2), and writes nothing', async () => {
    const root = roots();
    await kfm(root, ['init']);
    mkdirSync(join(root, 'connectors', 'taken', 'fixtures'), { recursive: true });
    writeFileSync(join(root, 'connectors', 'taken', 'fixtures', 'sample.csv'), 'mine\n');
    const before = snapshotTree(root);
    const run = await kfm(root, ['connector', 'new', 'taken', '--from', 'csv']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('connectors/taken/fixtures/sample.csv already exists');
    expect(run.stderr).toContain('nothing was written');
    expect(snapshotTree(root)).toEqual(before);
    expect(existsSync(join(root, 'data', 'registry', 'taken.yml'))).toBe(false);
    // A second scaffold of the same dataset is refused the same way.
    await scaffold(root, 'twice', 'geojson');
    const again = await kfm(root, ['connector', 'new', 'twice', '--from', 'csv']);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain('connectors/twice/connector.js, data/registry/twice.yml');
  });
});

describe('a connector module in the root', () => {
  let template: string;
  beforeAll(async () => {
    template = roots();
    await initRoot(template);
    await scaffold(template, 'my_sites', 'csv');
  }, 60_000);

  const connectorFile = (root: string) => join(root, 'connectors', 'my_sites', 'connector.js');

  it.each([
    [
      'a syntax error',
      'export default ({ defineConnector, z }) =>\n  defineConnector({',
      'the module does not load (SyntaxError',
    ],
    ['no default export', 'export const connector = {};\n', 'has no connector as its default export'],
    [
      'an invalid definition',
      "export default ({ defineConnector, z }) => defineConnector({ dataset_id: 'my_sites', format: 'xlsx', record: z.object({}) });\n",
      'field format must be "csv" or "geojson"',
    ],
    [
      'a record that is no schema',
      "export default { dataset_id: 'my_sites', format: 'csv', record: { site: 'string' } };\n",
      'field record must be a zod schema',
    ],
    [
      'a data dictionary that is no URL',
      "export default ({ defineConnector, z }) => defineConnector({ dataset_id: 'my_sites', format: 'csv', record: z.object({}), data_dictionary: { url: 'dictionary.json', media_type: 'application/json' } });\n",
      'field data_dictionary.url must be an absolute http:// or https:// URL',
    ],
    [
      "another folder's dataset_id",
      "export default ({ defineConnector, z }) => defineConnector({ dataset_id: 'other', format: 'csv', record: z.object({}) });\n",
      'field dataset_id is "other", but the folder is connectors/my_sites/',
    ],
  ])('with %s: exit 2 naming the file and the problem, nothing appended', async (_, source, problem) => {
    const root = roots.clone(template);
    writeFileSync(connectorFile(root), source);
    const head = await kfmHead(root);
    const run = await kfm(root, ['ingest', 'my_sites']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`${connectorFile(root)}: ${problem}`);
    expect(run.stderr).toContain('[INVALID_INPUT]');
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(await kfmHead(root)).toEqual(head);
    expect(existsSync(join(root, 'data', 'raw', 'my_sites'))).toBe(false);
  });

  it("is found before the project's connector of the same dataset", async () => {
    const root = roots.clone(template);
    mkdirSync(join(root, 'connectors', POPULATION));
    writeFileSync(
      join(root, 'connectors', POPULATION, 'connector.mjs'),
      `export default ({ defineConnector, z }) =>
  defineConnector({
    dataset_id: '${POPULATION}',
    format: 'csv',
    record: z.looseObject({}),
    checks: [{ name: 'root_connector_ran', run: () => ({ passed: false, message: 'the root module ran' }) }],
  });
`,
    );
    const ingest = await stage(root, ['ingest', POPULATION]);
    const validate = await stage(root, ['validate', POPULATION, '--run_id', ingest.json.run_id], 3);
    expect(validate.json.status).toBe('failed');
    expect(JSON.stringify(validate.json)).toContain('root_connector_ran');
  }, 60_000);
});
