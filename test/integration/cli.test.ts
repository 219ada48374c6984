import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import canonicalize from 'canonicalize';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Draft, note, rawCaptured, toJsonLines } from '../support/drafts.js';
import { type Head, kfmHead, runKfm, runKfmJson, STACK_FRAME } from '../support/kfm-cli.js';
import { eventHash, ledgerPath, readHead, sha256Hex } from '../support/ledger-file.js';
import { useTempDirs } from '../support/temp-dirs.js';

// Every CLI run is a process start (~0.4 s), so fixtures are shared within a describe block and the
// head is read straight from the file wherever `kfm head` itself is not what is under test.

const HEX64 = /^[0-9a-f]{64}$/;
const GENESIS = '0'.repeat(64);
const ZONES = ['registry', 'raw', 'work', 'processed', 'catalog'];

async function initRoot(root: string): Promise<void> {
  const run = await runKfm(['--root', root, 'init']);
  if (run.status !== 0) throw new Error(`kfm init exited ${run.status}: ${run.stderr}`);
}

async function appendAll(root: string, drafts: readonly Draft[]): Promise<Head> {
  const run = await runKfmJson<{ head: Head }>(['--root', root, '--json', 'append'], {
    input: toJsonLines(drafts),
  });
  if (run.status !== 0) throw new Error(`kfm append exited ${run.status}: ${run.stdout}`);
  return run.json.head;
}

/** A second extension type, for the filters of `kfm log`. */
function reading(dataset_id: string, run_id: string, name: string): Draft {
  return { type: 'x.test.reading', dataset_id, run_id, payload: { name } };
}

function withoutPayloadField(draft: Draft, field: string): Draft {
  const payload = { ...draft.payload };
  delete payload[field];
  return { ...draft, payload };
}

describe('kfm init', () => {
  const tempRoot = useTempDirs('cli-init');
  let root: string;
  beforeAll(() => {
    root = tempRoot();
  });

  it('creates data/{registry,raw,work,processed,catalog} and an empty ledger/kfm.sqlite', async () => {
    const run = await runKfm(['--root', root, 'init']);

    expect(run.status).toBe(0);
    for (const zone of ZONES) expect(statSync(join(root, 'data', zone)).isDirectory()).toBe(true);
    expect(statSync(ledgerPath(root)).isFile()).toBe(true);
    expect(readHead(ledgerPath(root))).toEqual({ seq: 0, hash: GENESIS });
  });

  it('is idempotent: a second init keeps the zones, the ledger and its events', async () => {
    const head = await appendAll(root, [note('ds_a', 'run_1', 'kept')]);

    const again = await runKfmJson(['--root', root, '--json', 'init']);

    expect(again.status).toBe(0);
    expect(again.json).toMatchObject({ created: [], ledger_created: false, head });
    for (const zone of ZONES) expect(statSync(join(root, 'data', zone)).isDirectory()).toBe(true);
    expect(readHead(ledgerPath(root))).toEqual({ seq: 1, hash: head.hash });
  });
});

describe('kfm append', () => {
  const tempRoot = useTempDirs('cli-append');
  let root: string;
  beforeAll(async () => {
    root = tempRoot();
    await initRoot(root);
  });

  it('reads JSON Lines from stdin and prints the new head', async () => {
    const run = await runKfm(['--root', root, 'append'], {
      input: toJsonLines([note('ds_a', 'run_1', 'first'), note('ds_a', 'run_1', 'second')]),
    });

    expect(run.status).toBe(0);
    const head = readHead(ledgerPath(root));
    expect(head.seq).toBe(2);
    expect(run.stdout).toContain(`head seq 2 hash ${head.hash}`);
  });

  it('reads --file and prints {"appended": N, "head": {seq, hash}} under --json', async () => {
    const file = join(tempRoot(), 'events.jsonl');
    writeFileSync(file, toJsonLines(['a', 'b', 'c'].map((text) => note('ds_b', 'run_2', text))));

    const run = await runKfmJson(['--root', root, '--json', 'append', '--file', file]);

    expect(run.status).toBe(0);
    const head = readHead(ledgerPath(root));
    expect(head).toMatchObject({ seq: 5, hash: expect.stringMatching(HEX64) });
    expect(run.json).toEqual({ appended: 3, head });
  });

  it('exits 2 naming a --file that does not exist', async () => {
    const missing = join(tempRoot(), 'nope.jsonl');
    const run = await runKfm(['--root', root, 'append', '--file', missing]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(missing);
  });
});

/** Each bad line sits between two good ones, so a partial append would move the head. */
const BAD_LINES: { name: string; line: string; code: string }[] = [
  { name: 'a line that is not JSON', line: '{"type": "x.test.note", "dataset_id": ', code: 'INVALID_INPUT' },
  {
    name: 'NaN in a payload',
    line: '{"type":"x.test.note","dataset_id":"ds_a","run_id":"run_1","payload":{"x":NaN}}',
    code: 'INVALID_INPUT',
  },
  {
    name: 'an unknown event type',
    line: JSON.stringify({ ...note('ds_a', 'run_1', 'x'), type: 'made.up' }),
    code: 'INVALID_EVENT',
  },
  {
    name: 'a core event type, even one whose payload fails its schema (raw.captured without sha256)',
    line: JSON.stringify(withoutPayloadField(rawCaptured('ds_a', 'run_1', 'f'), 'sha256')),
    code: 'RESERVED_TYPE',
  },
  {
    name: 'a payload that is not a JSON object',
    line: JSON.stringify({ ...note('ds_a', 'run_1', 'x'), payload: ['a', 'list'] }),
    code: 'INVALID_EVENT',
  },
  {
    name: 'a lone surrogate ("\\ud800")',
    line: '{"type":"x.test.note","dataset_id":"ds_a","run_id":"run_1","payload":{"text":"\\ud800"}}',
    code: 'NON_CANONICAL_VALUE',
  },
  {
    name: 'a dataset_id that is a path ("../etc")',
    line: JSON.stringify(note('../etc', 'run_1', 'x')),
    code: 'INVALID_EVENT',
  },
];

function batchAround(line: string): string {
  return `${JSON.stringify(note('ds_a', 'run_1', 'good 1'))}\n${line}\n${JSON.stringify(note('ds_a', 'run_1', 'good 3'))}\n`;
}

describe('kfm append with bad input', () => {
  const tempRoot = useTempDirs('cli-bad');
  let root: string;
  let before: Head;
  beforeAll(async () => {
    root = tempRoot();
    await initRoot(root);
    await appendAll(root, [note('ds_a', 'run_1', 'before')]);
    before = await kfmHead(root);
  });

  describe.concurrent('given one bad line in a batch of three', () => {
    it.for(BAD_LINES)(
      '$name: exits 2 naming line 2 and $code on stderr, no stack trace, nothing appended',
      async ({ line, code }, { expect }) => {
        const run = await runKfm(['--root', root, 'append'], { input: batchAround(line) });

        expect(run.status).toBe(2);
        expect(run.stderr).toContain('line 2');
        expect(run.stderr).toContain(code);
        expect(run.stderr).not.toMatch(STACK_FRAME);
        expect(run.stdout).toBe('');
        expect(readHead(ledgerPath(root))).toEqual(before);
      },
    );

    it.for([BAD_LINES[0]!, BAD_LINES[3]!])(
      '$name: under --json prints {code, message, details} on stdout',
      async ({ line, code }, { expect }) => {
        const run = await runKfmJson(['--root', root, '--json', 'append'], { input: batchAround(line) });

        expect(run.status).toBe(2);
        expect(Object.keys(run.json).sort()).toEqual(['code', 'details', 'message']);
        expect(run.json).toMatchObject({ code, details: { line: 2 } });
        expect(run.json.message).toContain('line 2');
        expect(readHead(ledgerPath(root))).toEqual(before);
      },
    );
  });

  it('appends none of a long batch whose last line is bad (all or nothing)', async () => {
    const good = Array.from({ length: 20 }, (_, i) => note('ds_a', 'run_1', `n${i}`));
    const input = toJsonLines([...good, { ...note('ds_a', 'run_1', 'x'), type: 'nope' }]);

    const run = await runKfm(['--root', root, 'append'], { input });

    expect(run.status).toBe(2);
    expect(run.stderr).toContain('line 21');
  });

  it('leaves `kfm head` as it was before all the refused appends', async () => {
    expect(await kfmHead(root)).toEqual(before);
  });
});

describe('kfm verify and kfm head', () => {
  const tempRoot = useTempDirs('cli-verify');
  let root: string;
  let appended: Head;
  beforeAll(async () => {
    root = tempRoot();
    await initRoot(root);
    appended = await appendAll(root, [
      note('ds_a', 'run_1', 'a'),
      note('ds_a', 'run_1', 'b'),
      note('ds_b', 'r', 'c'),
    ]);
  });

  it('verify exits 0 on an intact ledger; --json prints {ok, events, head, failures, failures_omitted}', async () => {
    const [human, json] = await Promise.all([
      runKfm(['--root', root, 'verify']),
      runKfmJson(['--root', root, '--json', 'verify']),
    ]);

    expect(human.status).toBe(0);
    expect(json.status).toBe(0);
    expect(json.json).toEqual({ ok: true, events: 3, head: appended, failures: [], failures_omitted: 0 });
  });

  it('head prints <seq>:<hash> of the last event, and {seq, hash} under --json', async () => {
    const [human, json] = await Promise.all([
      runKfm(['--root', root, 'head']),
      runKfmJson(['--root', root, '--json', 'head']),
    ]);

    expect(human.stdout).toBe(`3:${appended.hash}\n`);
    expect(json.json).toEqual({ seq: 3, hash: appended.hash });
  });

  it('verify --help lists --anchor', async () => {
    const run = await runKfm(['verify', '--help']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('--anchor');
  });

  it('verify exits 2 on a malformed --anchor', async () => {
    const run = await runKfm(['--root', root, 'verify', '--anchor', 'not-an-anchor']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--anchor');
  });
});

describe('kfm log', () => {
  const tempRoot = useTempDirs('cli-log');
  // Laid out so that the query below lists [6] only when every one of its five filters is applied
  // as documented: without --dataset_id it lists 3, without --run_id 4, without --type 5, without
  // --since_seq (or with an inclusive one) 2, and without --limit 6 and 7.
  const drafts = [
    note('ds_a', 'run_1', 'one'),
    reading('ds_a', 'run_1', 'two'),
    reading('ds_b', 'run_1', 'three'),
    reading('ds_a', 'run_2', 'four'),
    note('ds_a', 'run_1', 'five'),
    reading('ds_a', 'run_1', 'six'),
    reading('ds_a', 'run_1', 'seven'),
  ];
  let root: string;
  beforeAll(async () => {
    root = tempRoot();
    await initRoot(root);
    await appendAll(root, drafts.slice(0, 3));
    await appendAll(root, drafts.slice(3));
  });

  it('--json emits one full envelope per line, each hashing to its hash and linked to the one before', async () => {
    const run = await runKfm(['--root', root, '--json', 'log']);

    expect(run.status).toBe(0);
    const lines = run.stdout.split('\n').filter((line) => line !== '');
    expect(lines).toHaveLength(drafts.length);
    let prev = GENESIS;
    lines.forEach((line, i) => {
      const { hash, ...envelope } = JSON.parse(line) as Record<string, unknown>;
      expect(Object.keys(envelope).sort()).toEqual([
        'actor',
        'dataset_id',
        'event_id',
        'payload',
        'prev_hash',
        'recorded_at',
        'run_id',
        'seq',
        'type',
        'v',
      ]);
      expect(envelope).toMatchObject({ v: 1, seq: i + 1, prev_hash: prev, ...drafts[i] });
      // docs/design.md: hash = sha256("kfm.event.v1\n" ‖ JCS(envelope without hash)).
      expect(hash).toBe(eventHash(Buffer.from(canonicalize(envelope)!, 'utf8')));
      prev = hash as string;
    });
  });

  it('applies --dataset_id, --run_id, --type, --since_seq and --limit together', async () => {
    const run = await runKfm([
      '--root',
      root,
      '--json',
      'log',
      '--dataset_id',
      'ds_a',
      '--run_id',
      'run_1',
      '--type',
      'x.test.reading',
      '--since_seq',
      '2',
      '--limit',
      '1',
    ]);

    expect(run.status).toBe(0);
    const listed = run.stdout
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => (JSON.parse(line) as { seq: number }).seq);
    expect(listed).toEqual([6]);
  });

  it('prints a table with one row per matching event without --json', async () => {
    const run = await runKfm(['--root', root, 'log', '--type', 'x.test.reading']);

    expect(run.status).toBe(0);
    const rows = run.stdout.split('\n').filter((line) => /^\s*\d+\s/.test(line));
    expect(rows.map((row) => Number(row.trim().split(/\s+/)[0]))).toEqual([2, 3, 4, 6, 7]);
    expect(rows.every((row) => row.includes('x.test.reading'))).toBe(true);
  });
});

describe('kfm spec-hash', () => {
  const tempRoot = useTempDirs('cli-spec');
  // The spec's RFC 8785 form, written by hand: keys sorted, no whitespace, 1.50 printed as 1.5.
  const JCS = '{"a":[1,"x",{"y":true,"z":null}],"b":2,"n":1.5,"name":"stations"}';
  let dir: string;
  const write = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  beforeAll(() => {
    dir = tempRoot();
  });

  it('gives a JSON and a YAML file of the same spec the same hash, sha256 of the JCS bytes; --json gives {spec_hash}', async () => {
    const json = write(
      'spec.json',
      '{ "name": "stations", "n": 1.50, "b": 2, "a": [1, "x", {"z": null, "y": true}] }',
    );
    const yaml = write(
      'spec.yaml',
      'name: stations\nb: 2\nn: 1.5\na:\n  - 1\n  - x\n  - {y: true, z: null}\n',
    );

    const [fromJson, fromYaml] = await Promise.all([
      runKfm(['spec-hash', json]),
      runKfmJson(['--json', 'spec-hash', yaml]),
    ]);

    expect(fromJson.status).toBe(0);
    expect(fromJson.stdout).toBe(`${sha256Hex(JCS)}\n`);
    expect(fromYaml.status).toBe(0);
    expect(fromYaml.json).toEqual({ spec_hash: sha256Hex(JCS) });
  });

  describe.concurrent('given a bad spec', () => {
    it.for([
      { name: 'invalid YAML', file: 'broken.yaml', text: 'a: [1\nb: 2\n' },
      { name: 'a YAML list, not an object', file: 'list.yml', text: '- 1\n- 2\n' },
      { name: 'a YAML .nan, which JCS cannot represent', file: 'nan.yaml', text: 'a: 1\nratio: .nan\n' },
    ])('$name: exits 2 naming the file, without a stack trace', async ({ file, text }, { expect }) => {
      const path = write(file, text);
      const run = await runKfm(['spec-hash', path]);
      expect(run.status).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain(path);
      expect(run.stderr).not.toMatch(STACK_FRAME);
    });
  });
});

describe('kfm without a ledger', () => {
  const tempRoot = useTempDirs('cli-noledger');

  it('append exits 2 naming the missing ledger, and creates none', async () => {
    const root = tempRoot();
    const run = await runKfm(['--root', root, 'append'], {
      input: toJsonLines([note('ds_a', 'run_1', 'x')]),
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(ledgerPath(root));
    expect(run.stderr).not.toMatch(STACK_FRAME);
    expect(existsSync(ledgerPath(root))).toBe(false);
  });

  it('verify --json exits 1 LEDGER_UNREADABLE with {code, message, details} naming the ledger file', async () => {
    const root = tempRoot();
    const run = await runKfmJson(['--root', root, '--json', 'verify']);
    expect(run.status).toBe(1);
    expect(run.json).toMatchObject({ code: 'LEDGER_UNREADABLE', details: { file: ledgerPath(root) } });
    expect(existsSync(ledgerPath(root))).toBe(false);
  });
});

describe('kfm usage', () => {
  describe.concurrent('given a usage error', () => {
    it.for([
      {
        name: 'an unknown global option',
        args: ['--bogus', 'head'],
        says: "unknown option '--bogus'; see kfm head --help",
      },
      {
        name: 'an unknown option of a command',
        args: ['verify', '--bogus'],
        says: "unknown option '--bogus'; see kfm verify --help",
      },
      {
        name: 'an unknown command',
        args: ['frobnicate'],
        says: "unknown command 'frobnicate'; see kfm --help",
      },
    ])('$name: exits 2 with a message on stderr', async ({ args, says }, { expect }) => {
      const run = await runKfm(args);
      expect(run.status).toBe(2);
      expect([run.stdout, run.stderr]).toEqual(['', `kfm: ${says} [USAGE]\n`]);
    });
  });

  it('`kfm --help` lists every command and exits 0', async () => {
    const run = await runKfm(['--help']);
    expect(run.status).toBe(0);
    for (const command of ['init', 'append', 'verify', 'head', 'log', 'spec-hash']) {
      expect(run.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
    }
  });
});
