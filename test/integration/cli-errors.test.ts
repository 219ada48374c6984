import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { note, toJsonLines } from '../support/drafts.js';
import { runKfm, runKfmJson, STACK_FRAME } from '../support/kfm-cli.js';
import { ledgerPath } from '../support/ledger-file.js';
import { useTempDirs } from '../support/temp-dirs.js';

// KFM_ROOT may be set where the tests run: '' is "unset" for the CLI, so each case says what it means.
const NO_ENV_ROOT = { KFM_ROOT: '' };
const USAGE_LINE = /^kfm: .+ \[USAGE\]\n$/;

const tempDir = useTempDirs('cli-errors');

/** A root with the ks_county_population registry entry and one extension event of ks_county_population in its ledger. */
async function exampleRoot(): Promise<string> {
  const root = tempDir();
  const init = await runKfm(['--root', root, 'init']);
  if (init.status !== 0) throw new Error(`kfm init exited ${init.status}: ${init.stderr}`);
  copyFileSync(
    join('data', 'registry', 'ks_county_population.yml'),
    join(root, 'data', 'registry', 'ks_county_population.yml'),
  );
  const append = await runKfm(['--root', root, 'append'], {
    input: toJsonLines([note('ks_county_population', 'r1', 'hello')]),
  });
  if (append.status !== 0) throw new Error(`kfm append exited ${append.status}: ${append.stderr}`);
  return root;
}

describe('command-line errors', () => {
  describe.concurrent.for([
    { name: 'an unknown command', args: ['frobnicate'], commander: 'commander.unknownCommand' },
    { name: 'an unknown option', args: ['verify', '--bogus'], commander: 'commander.unknownOption' },
    { name: 'an unknown global option', args: ['--bogus', 'head'], commander: 'commander.unknownOption' },
    { name: 'a missing argument', args: ['show'], commander: 'commander.missingArgument' },
    {
      name: 'a missing option value',
      args: ['head', '--root'],
      commander: 'commander.optionMissingArgument',
    },
    { name: 'a bad choice', args: ['runs', '--status', 'done'], commander: 'commander.invalidArgument' },
    { name: 'a bad number', args: ['log', '--limit', 'ten'], commander: undefined },
  ])('$name', ({ args, commander }) => {
    it('is one `kfm: … [USAGE]` line on stderr, exit 2, nothing on stdout', async ({ expect }) => {
      const run = await runKfm(args, { env: NO_ENV_ROOT });
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(USAGE_LINE);
      expect(run.stderr).not.toMatch(STACK_FRAME);
      expect(run.stdout).toBe('');
    });

    it('is {code, message, details} on stdout with --json, and nothing on stderr', async ({ expect }) => {
      const run = await runKfmJson(['--json', ...args], { env: NO_ENV_ROOT });
      expect(run.status).toBe(2);
      expect(run.stderr).toBe('');
      expect(Object.keys(run.json)).toEqual(['code', 'message', 'details']);
      expect(run.json).toMatchObject({ code: 'USAGE', message: expect.any(String) });
      if (commander !== undefined) expect(run.json.details).toMatchObject({ commander_code: commander });
    });
  });

  it('suggests the nearest command and names the help to read', async () => {
    const run = await runKfmJson(['--json', 'vrify']);
    expect(run.json).toMatchObject({
      code: 'USAGE',
      message: "unknown command 'vrify' (did you mean verify?); see kfm --help",
      details: { suggestion: 'verify' },
    });
    const option = await runKfm(['verify', '--dep']);
    expect(option.stderr).toBe(
      "kfm: unknown option '--dep' (did you mean --deep?); see kfm verify --help [USAGE]\n",
    );
  });
});

describe('an unknown dataset id', () => {
  let root: string;
  beforeAll(async () => {
    root = await exampleRoot();
  });

  it('in a stage command: NOT_FOUND suggesting the nearest registry ids, nothing appended', async () => {
    const run = await runKfmJson(['--root', root, '--json', 'ingest', 'ks_county_populaton']);
    expect(run.status).toBe(2);
    expect(run.json).toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining("'ks_county_populaton' (did you mean ks_county_population?)"),
      details: { dataset_id: 'ks_county_populaton', suggestions: ['ks_county_population'] },
    });
    const head = await runKfmJson<{ seq: number }>(['--root', root, '--json', 'head']);
    expect(head.json.seq).toBe(1);
  });

  it('in a query command: NOT_FOUND suggesting the nearest ledger ids', async () => {
    const run = await runKfm(['--root', root, 'runs', 'ks_cuonty_population']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(
      /^kfm: dataset ks_cuonty_population has no runs in the ledger \(did you mean ks_county_population\?\).*\[NOT_FOUND\]\n$/,
    );
  });

  it('far from every id: no suggestion', async () => {
    const run = await runKfmJson(['--root', root, '--json', 'versions', 'zzz']);
    expect(run.status).toBe(2);
    expect(run.json.message).not.toContain('did you mean');
    expect(run.json.details).not.toHaveProperty('suggestions');
  });
});

describe('finding the root', () => {
  let root: string;
  beforeAll(async () => {
    root = await exampleRoot();
  });

  it('a --root that does not exist: USAGE naming it, exit 2, nothing created', async () => {
    const missing = join(tempDir(), 'no-such-root');
    const run = await runKfmJson(['--root', missing, '--json', 'verify']);
    expect(run.status).toBe(2);
    expect(run.json).toMatchObject({
      code: 'USAGE',
      message: expect.stringContaining(`--root ${missing} does not exist`),
      details: { root: missing },
    });
    expect(existsSync(missing)).toBe(false);
  });

  it('`kfm init --root` of a new folder still makes it', async () => {
    const fresh = join(tempDir(), 'new-root');
    const run = await runKfm(['--root', fresh, 'init'], { env: NO_ENV_ROOT });
    expect(run.status).toBe(0);
    expect(existsSync(ledgerPath(fresh))).toBe(true);
  });

  it('from a folder inside a root, the root is found upward, before KFM_ROOT', async () => {
    const inside = join(root, 'data', 'work', 'deep', 'er');
    mkdirSync(inside, { recursive: true });
    const elsewhere = await exampleRoot();
    const run = await runKfm(['verify'], { cwd: inside, env: { KFM_ROOT: elsewhere } });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`verified in ${ledgerPath(root)}`);
  });

  it('with no root above, KFM_ROOT is used', async () => {
    const run = await runKfm(['verify'], { cwd: tempDir(), env: { KFM_ROOT: root } });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`verified in ${ledgerPath(root)}`);
  });

  it('a KFM_ROOT that does not exist: USAGE naming KFM_ROOT', async () => {
    const missing = join(tempDir(), 'gone');
    const run = await runKfm(['verify'], { cwd: tempDir(), env: { KFM_ROOT: missing } });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`KFM_ROOT ${missing} does not exist`);
  });

  it('with neither, the current folder: its missing ledger is named', async () => {
    const here = tempDir();
    const run = await runKfm(['verify'], { cwd: here, env: NO_ENV_ROOT });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(ledgerPath(here));
  });

  it('`kfm init` inside a root makes a root where it is run, as `git init` does', async () => {
    const inside = join(root, 'data', 'work', 'nested');
    mkdirSync(inside, { recursive: true });
    const run = await runKfmJson<{ root: string }>(['--json', 'init'], { cwd: inside, env: NO_ENV_ROOT });
    expect(run.json.root).toBe(inside);
  });
});
