import { spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KFM_BIN } from '../support/kfm-cli.js';

// Drives the built CLI (npm test builds first), in a temporary root holding copies of the
// committed example registry, so these tests see exactly what a user's shell would.
const PROJECT = fileURLToPath(new URL('../../', import.meta.url));
const EXAMPLES = ['ks_archaeological_sites', 'ks_county_population', 'ks_mesonet_stations'];

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'kfm-registry-'));
  await mkdir(join(root, 'data', 'registry'), { recursive: true });
  for (const id of EXAMPLES) {
    await cp(join(PROJECT, 'data', 'registry', `${id}.yml`), join(root, 'data', 'registry', `${id}.yml`));
  }
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function kfm(...args: string[]) {
  const run = spawnSync(process.execPath, [KFM_BIN, '--root', root, 'registry', ...args], {
    encoding: 'utf8',
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

async function writeEntry(name: string, text: string): Promise<void> {
  await writeFile(join(root, 'data', 'registry', name), text);
}

function expectNoStackTrace(output: string): void {
  expect(output).not.toMatch(/\n\s+at .+:\d+:\d+/);
  expect(output).not.toContain('--debug for the stack trace');
}

describe('kfm registry list', () => {
  it('prints a table of the example datasets', () => {
    const { code, stdout } = kfm('list');
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+TITLE\s+LICENSE\s+SENSITIVITY\s+SPATIAL$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(EXAMPLES);
    expect(stdout).toMatch(/ks_archaeological_sites .*CC-BY-4.0\s+sensitive-location\s+yes/);
    expect(stdout).toMatch(/ks_county_population .*CC0-1.0\s+public\s+no/);
  });

  it('prints the entries as a JSON array under --json', () => {
    const { code, stdout } = kfm('list', '--json');
    expect(code).toBe(0);
    const entries = JSON.parse(stdout) as { dataset_id: string; upstream: { uri: string } }[];
    expect(entries.map((e) => e.dataset_id)).toEqual(EXAMPLES);
    expect(entries[2]?.upstream.uri).toBe('file:connectors/ks_mesonet_stations/fixtures/stations.geojson');
  });

  it('still lists the valid entries when one file is invalid, names the bad one and exits 2', async () => {
    await writeEntry('ks_broken.yml', 'dataset_id: ks_broken\nsensitivity: secret\n');
    const { code, stdout, stderr } = kfm('list');
    expect(code).toBe(2);
    expect(stdout).toContain('ks_mesonet_stations');
    expect(stdout).not.toContain('ks_broken');
    expect(stderr).toContain('data/registry/ks_broken.yml');
  });
});

describe('kfm registry show', () => {
  it('prints the entry and that promotion has all it needs from the registry', () => {
    const { code, stdout } = kfm('show', 'ks_archaeological_sites');
    expect(code).toBe(0);
    expect(stdout).toContain('ks_archaeological_sites (data/registry/ks_archaeological_sites.yml)');
    expect(stdout).toContain('sensitivity: sensitive-location');
    expect(stdout).toContain('precision_deg: 0.1');
    expect(stdout).toContain('promotion: the entry declares everything');
  });

  it('lists what promotion would deny on, as JSON under --json', async () => {
    await writeEntry('ks_partial.yml', 'dataset_id: ks_partial\nsensitivity: sensitive-location\n');
    const { code, stdout } = kfm('show', 'ks_partial', '--json');
    expect(code).toBe(0);
    const shown = JSON.parse(stdout);
    expect(shown).toMatchObject({
      dataset_id: 'ks_partial',
      file: 'data/registry/ks_partial.yml',
      entry: { dataset_id: 'ks_partial', sensitivity: 'sensitive-location' },
    });
    expect(shown.missing.map((m: { code: string }) => m.code)).toEqual(
      expect.arrayContaining(['LICENSE_MISSING', 'POLICY_LABELS_MISSING', 'REDACTION_REQUIRED']),
    );
  });

  it('exits 2 naming the expected file when the dataset is not registered', () => {
    const { code, stderr } = kfm('show', 'ks_nowhere');
    expect(code).toBe(2);
    expect(stderr).toContain('data/registry/ks_nowhere.yml');
    expect(stderr).toContain('[NOT_FOUND]');
    expectNoStackTrace(stderr);
  });

  it('exits 2 with REGISTRY_INVALID for an invalid entry; --json gives {code, message, details}', async () => {
    await writeEntry('ks_bad.yml', 'dataset_id: ks_bad\ngeneralization: {precision_deg: 0}\n');
    const human = kfm('show', 'ks_bad');
    expect(human.code).toBe(2);
    expect(human.stderr).toContain(
      'data/registry/ks_bad.yml line 2: generalization.precision_deg: 0 must be greater than 0;',
    );
    expect(human.stderr).toContain('[REGISTRY_INVALID]');
    expectNoStackTrace(human.stderr);
    const json = kfm('show', 'ks_bad', '--json');
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({
      code: 'REGISTRY_INVALID',
      details: {
        file: 'data/registry/ks_bad.yml',
        errors: [{ field: 'generalization.precision_deg', line: 2 }],
      },
    });
  });

  it('refuses a dataset id that is a path', () => {
    const { code, stderr } = kfm('show', '../../etc/passwd');
    expect(code).toBe(2);
    expect(stderr).toContain('is not a dataset id');
  });
});

describe('kfm registry validate', () => {
  it('exits 0 when the example registry is valid', () => {
    const { code, stdout, stderr } = kfm('validate');
    expect(code).toBe(0);
    expect(stdout).toContain('3 registry file(s): 3 valid, 0 invalid');
    expect(stderr).toBe('');
  });

  it('exits 0 but warns about fields promotion will deny on', async () => {
    await writeEntry('ks_bare.yml', 'dataset_id: ks_bare\n');
    const { code, stdout, stderr } = kfm('validate', 'ks_bare');
    expect(code).toBe(0);
    expect(stdout).toContain('ok       data/registry/ks_bare.yml (promotion would deny: LICENSE_MISSING');
    expect(stderr).toContain('warning: data/registry/ks_bare.yml: license:');
  });

  it('exits 2 naming file, line, field and fix of each problem', async () => {
    await writeEntry('ks_bad.yml', 'dataset_id: ks_bad\nlicense: Apache2\nlicence: MIT\nspatial: "yes"\n');
    const { code, stderr } = kfm('validate');
    expect(code).toBe(2);
    expect(stderr).toContain(
      "data/registry/ks_bad.yml line 2: license: 'Apache2' is not an SPDX identifier; use one of https://spdx.org/licenses/ e.g. Apache-2.0",
    );
    expect(stderr).toContain(
      "data/registry/ks_bad.yml line 3: licence: is not a registry field; did you mean 'license'?",
    );
    expect(stderr).toContain('data/registry/ks_bad.yml line 4: spatial:');
    expectNoStackTrace(stderr);
  });

  it('reports bad YAML with its line, exit 2 and no stack trace', async () => {
    await writeEntry('ks_yaml.yml', 'dataset_id: ks_yaml\ntitle: x\nlicense: MIT: x\n');
    const { code, stdout, stderr } = kfm('validate', 'ks_yaml');
    expect(code).toBe(2);
    expect(stdout).toContain('invalid  data/registry/ks_yaml.yml');
    expect(stderr).toMatch(/data\/registry\/ks_yaml\.yml line 3: not valid YAML/);
    expectNoStackTrace(stderr);
  });

  it('refuses a file whose dataset_id differs from its name', async () => {
    await writeEntry('ks_one.yml', 'dataset_id: ks_two\n');
    const { code, stderr } = kfm('validate', 'ks_one');
    expect(code).toBe(2);
    expect(stderr).toContain("dataset_id: 'ks_two' does not match the file name ks_one.yml");
  });

  it('prints {ok, datasets} under --json, with errors and missing fields per file', async () => {
    await writeEntry('ks_bad.yml', 'dataset_id: ks_bad\nupstream: {uri: "file:../x", rate_limit: 0}\n');
    await writeEntry('Not-An-Id.yaml', 'dataset_id: x\n');
    const { code, stdout, stderr } = kfm('validate', '--json');
    expect(code).toBe(2);
    expect(stderr).toBe('');
    const report = JSON.parse(stdout);
    expect(report.ok).toBe(false);
    expect(report.datasets.map((d: { file: string; valid: boolean }) => [d.file, d.valid])).toEqual([
      ['data/registry/Not-An-Id.yaml', false],
      ['data/registry/ks_archaeological_sites.yml', true],
      ['data/registry/ks_bad.yml', false],
      ['data/registry/ks_county_population.yml', true],
      ['data/registry/ks_mesonet_stations.yml', true],
    ]);
    const bad = report.datasets[2];
    expect(bad.errors.map((e: { field: string }) => e.field)).toEqual([
      'upstream.uri',
      'upstream.rate_limit',
    ]);
    for (const error of bad.errors) expect(Object.keys(error)).toEqual(['field', 'message', 'fix', 'line']);
  });

  it('exits 2 when the registry folder does not exist', async () => {
    await rm(join(root, 'data'), { recursive: true });
    const { code, stderr } = kfm('validate');
    expect(code).toBe(2);
    expect(stderr).toContain('data/registry: no registry folder');
  });
});
