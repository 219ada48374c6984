import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runKfm, runKfmJson } from '../support/kfm-cli.js';
import { SCHEMAS_DIR, schemaFiles, schemaIdOf } from '../support/receipt-validator.js';
import { useTempDirs } from '../support/temp-dirs.js';

// `kfm schema` (issue 17): the committed schema files, printed and listed by the built CLI. It needs
// no root or ledger, so every case runs in an empty folder.

const tempDir = useTempDirs('schema-cli');
const NAMES = [
  'run_record',
  'validation_report',
  'run_manifest',
  'raw_manifest',
  'registry_entry',
  'provenance_bundle',
];
const schema = (args: readonly string[]) => runKfm(['schema', ...args], { cwd: tempDir() });

describe('kfm schema <name>', () => {
  it('prints the committed schema file byte for byte, with or without --json', async () => {
    expect(schemaFiles()).toEqual(NAMES.map((n) => `${n}/v1.json`).sort());
    for (const name of NAMES) {
      const committed = readFileSync(join(SCHEMAS_DIR, name, 'v1.json'), 'utf8');
      const plain = await schema([name]);
      expect(plain.status, plain.stderr).toBe(0);
      expect(plain.stdout).toBe(committed);
      expect((await runKfm(['--json', 'schema', name], { cwd: tempDir() })).stdout).toBe(committed);
    }
  });

  it('refuses an unknown name with exit 2 and the nearest name', async () => {
    const run = await schema(['run_recrod']);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain("no schema named 'run_recrod': did you mean 'run_record'?");
    const json = await runKfmJson<{ code: string; details: Record<string, unknown> }>(
      ['--json', 'schema', 'validation-report'],
      { cwd: tempDir() },
    );
    expect(json.status).toBe(2);
    expect(json.json).toMatchObject({
      code: 'NOT_FOUND',
      details: { name: 'validation-report', did_you_mean: 'validation_report' },
    });
    const far = await schema(['catalog']);
    expect(far.status).toBe(2);
    expect(far.stderr).not.toContain('did you mean');
    expect(far.stderr).toContain(NAMES.join(', '));
  });

  it('asks for a name, or --list, when given neither (exit 2)', async () => {
    for (const args of [[], ['--list', 'run_record']]) {
      const run = await schema(args);
      expect(run.status, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(/\[USAGE\]/);
    }
  });
});

describe('kfm schema --list', () => {
  it('lists every schema with its $id and the receipt it describes', async () => {
    const run = await schema(['--list']);
    expect(run.status).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME +ID +RECEIPT$/);
    expect(lines.slice(1).map((l) => l.split(/ +/).slice(0, 2))).toEqual(
      NAMES.map((n) => [n, schemaIdOf(n)]),
    );
  });

  it('--json: the same as data, each path a committed file', async () => {
    const run = await runKfmJson<{ schemas: { name: string; id: string; path: string; receipt: string }[] }>(
      ['--json', 'schema', '--list'],
      { cwd: tempDir() },
    );
    expect(run.status).toBe(0);
    expect(run.json.schemas.map((s) => [s.name, s.id, s.path])).toEqual(
      NAMES.map((n) => [n, schemaIdOf(n), `schemas/${n}/v1.json`]),
    );
    for (const s of run.json.schemas) expect(existsSync(join(SCHEMAS_DIR, '..', s.path)), s.path).toBe(true);
    expect(run.json.schemas.find((s) => s.name === 'run_record')!.receipt).toBe(
      'data/work/<dataset_id>/runs/<run_id>/run_record.json',
    );
  });
});

describe('kfm schema --help', () => {
  it('names the schemas, --list, and how to validate with Ajv; kfm --help lists the command', async () => {
    const help = await schema(['--help']);
    expect(help.status).toBe(0);
    for (const name of NAMES) expect(help.stdout).toContain(name);
    expect(help.stdout).toContain('--list');
    expect(help.stdout).toContain('ajv-formats');
    expect((await runKfm(['--help'])).stdout).toMatch(/^ {2}schema \[options\] \[name\] /m);
  });
});
