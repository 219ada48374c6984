import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { note, toJsonLines } from '../support/drafts.js';
import { fixturePath, POPULATION, registryPath, SITES } from '../support/examples.js';
import { type Head, kfm, kfmHead, runKfm, runKfmJson, STACK_FRAME, stage } from '../support/kfm-cli.js';
import { ledgerEvents } from '../support/ledger-file.js';
import { editRegistry } from '../support/promote-root.js';
import { initRoot } from '../support/stage-root.js';
import { useTempDirs } from '../support/temp-dirs.js';

// Issue 10 item 6 through the built CLI: input that would be altered on its way into the ledger
// (bytes that are not UTF-8, repeated names, integers a double cannot hold) is refused with exit 2,
// naming file, line and JSON path, and nothing is appended; a CSV upstream that is not UTF-8 fails
// validation naming its row unless the registry declares its encoding.

const roots = useTempDirs('strict-input');
let root: string;
let before: Head;

beforeAll(async () => {
  root = roots();
  await initRoot(root);
  expect(
    (await runKfm(['--root', root, 'append'], { input: toJsonLines([note('ds_a', 'r1', 'x')]) })).status,
  ).toBe(0);
  before = await kfmHead(root);
}, 60_000);

const good = JSON.stringify(note('ds_a', 'r1', 'good'));
const line = (payload: string) =>
  `{"type":"x.test.note","dataset_id":"ds_a","run_id":"r1","payload":${payload}}`;
const column = (payload: string, at: string) => line(payload).indexOf(at) + 1;

describe.concurrent('kfm append of a line that JSON.parse would silently alter', () => {
  it.for([
    {
      name: 'a repeated name',
      payload: '{"n": 1, "n": 2}',
      at: '"n": 2',
      path: '$.payload.n',
      problem: 'DUPLICATE_KEY',
    },
    {
      name: 'an integer beyond 2^53',
      payload: '{"big": [12345678901234567890]}',
      at: '1234',
      path: '$.payload.big[0]',
      problem: 'UNSAFE_INTEGER',
    },
    {
      name: '1e400',
      payload: '{"x": 1e400}',
      at: '1e400',
      path: '$.payload.x',
      problem: 'NUMBER_OUT_OF_RANGE',
    },
  ])('$name: exit 2 naming line 2, column and $path; nothing appended', async (c, { expect }) => {
    const input = `${good}\n${line(c.payload)}\n${good}\n`;
    const [human, json] = await Promise.all([
      runKfm(['--root', root, 'append'], { input }),
      runKfmJson(['--root', root, '--json', 'append'], { input }),
    ]);

    expect(human.status).toBe(2);
    expect(human.stderr).toContain(`stdin line 2 column ${column(c.payload, c.at)}: ${c.path}`);
    expect(human.stderr).not.toMatch(STACK_FRAME);
    expect(json.json).toMatchObject({
      code: 'INVALID_INPUT',
      details: { file: 'stdin', line: 2, path: c.path, problem: c.problem },
    });
    expect(await kfmHead(root)).toEqual(before);
  });

  it('bytes that are not UTF-8 (Latin-1 ö in a --file): exit 2 naming line 2 and the byte', async ({
    expect,
  }) => {
    const file = join(root, 'latin1.jsonl');
    writeFileSync(file, Buffer.from(`${good}\n${line('{"name": "D\xf6niphan"}')}\n`, 'latin1'));

    const run = await runKfm(['--root', root, 'append', '--file', file]);

    expect(run.status).toBe(2);
    expect(run.stderr).toContain(
      `${file} line 2 column ${column('{"name": "D', 'D') + 1}: byte 0xF6 is not valid UTF-8`,
    );
    expect(run.stderr).toContain('[INVALID_INPUT]');
    expect(await kfmHead(root)).toEqual(before);
  });
});

describe.concurrent('a run spec that would be altered on its way into spec_hash', () => {
  it.for([
    { file: 'dup.json', text: '{\n  "window": 1,\n  "window": 2\n}\n', says: 'line 3 column 3: $.window' },
    { file: 'big.json', text: '{"limit": 12345678901234567890}', says: 'line 1 column 11: $.limit' },
    {
      file: 'big.yaml',
      text: 'a: 1\nlimit: 12345678901234567890\n',
      says: 'line 2: limit: 12345678901234567890',
    },
    {
      file: 'latin1.yml',
      text: 'title: D\xf6niphan\n',
      says: 'line 1 column 9: byte 0xF6 is not valid UTF-8',
    },
  ])('$file: spec-hash exits 2 saying "$says"', async ({ file, text, says }, { expect }) => {
    const path = join(root, file);
    writeFileSync(path, Buffer.from(text, 'latin1'));

    const run = await runKfm(['spec-hash', path]);

    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`${path} ${says}`);
    expect(run.stderr).not.toMatch(STACK_FRAME);
  });

  it('a stage given such a --spec exits 2 and appends nothing', async ({ expect }) => {
    const path = join(root, 'stage-dup.json');
    writeFileSync(path, '{"a": 1, "a": 1}');

    const run = await kfm(root, ['ingest', POPULATION, '--spec', path]);

    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`${path} line 1 column 10: $.a`);
    expect(await kfmHead(root)).toEqual(before);
  });
});

describe('a registry file that is not UTF-8', () => {
  it('fails registry validate naming line and column', async () => {
    const own = roots.clone(root);
    const path = registryPath(own, POPULATION);
    const text = readFileSync(path, 'utf8');
    writeFileSync(path, Buffer.from(text.replace(/^title: .*$/m, 'title: D\xf6niphan county'), 'latin1'));

    const validate = await kfm(own, ['registry', 'validate', POPULATION]);

    expect(validate.status).toBe(2);
    expect(validate.stderr).toMatch(
      /ks_county_population\.yml line 3: byte 0xF6 is not valid UTF-8 \(column 9\); save the file as UTF-8/,
    );
  });
});

describe('a CSV upstream in Latin-1', () => {
  const csv = (root: string) => {
    const path = join(root, 'latin1.csv');
    writeFileSync(
      path,
      Buffer.from(
        'county,fips,year,population\nRiley,20161,2020,71000\nD\xf6niphan,20043,2020,7600\n',
        'latin1',
      ),
    );
    return path;
  };

  it('fails validation naming row 1 when the registry declares no encoding', async () => {
    const own = roots.clone(root);
    const uri = `file://${csv(own)}`;
    editRegistry(own, POPULATION, (e) => e.set('upstream', { uri, media_type: 'text/csv' }));
    await stage(own, ['ingest', POPULATION, '--run_id', 'latin1']);

    await stage(own, ['validate', POPULATION, '--run_id', 'latin1'], 3);

    const [report] = ledgerEvents(own, { run_id: 'latin1', type: 'validation.reported' });
    const readable = (report!.payload as { checks: { name: string }[] }).checks.find(
      (c) => c.name === 'readable',
    );
    expect(readable).toMatchObject({
      passed: false,
      message: expect.stringContaining('row 1, line 3 column 2: byte 0xF6 is not valid UTF-8'),
      details: { rows: [{ index: 1 }] },
    });
  });

  it('validates when the registry declares upstream.encoding: windows-1252', async () => {
    const own = roots.clone(root);
    const uri = `file://${csv(own)}`;
    editRegistry(own, POPULATION, (e) =>
      e.set('upstream', { uri, media_type: 'text/csv', encoding: 'windows-1252' }),
    );
    await stage(own, ['ingest', POPULATION, '--run_id', 'declared']);

    const validate = await stage(own, ['validate', POPULATION, '--run_id', 'declared']);

    expect(validate.json.status).toBe('succeeded');
  });
});

describe('a GeoJSON upstream in Latin-1 through a transform', () => {
  /** The sites fixture with a Latin-1 "Döniphan" as the first site type, and the registry pointed at it. */
  const latin1Sites = (own: string, encoding?: string) => {
    const path = join(own, 'sites-latin1.geojson');
    const text = readFileSync(fixturePath(SITES), 'utf8').replace('"rock art"', '"D\xf6niphan rock art"');
    writeFileSync(path, Buffer.from(text, 'latin1'));
    const upstream = { uri: `file://${path}`, media_type: 'application/geo+json' };
    editRegistry(own, SITES, (e) =>
      e.set('upstream', encoding === undefined ? upstream : { ...upstream, encoding }),
    );
  };

  it('fails the transform naming the capture and line, so U+FFFD never reaches a work artifact', async () => {
    const own = roots.clone(root);
    latin1Sites(own);
    await stage(own, ['ingest', SITES, '--run_id', 'sites']);

    const run = await kfm(own, ['transform', SITES, '--run_id', 'sites']);

    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(
      /raw capture \S+sites-latin1\.geojson line 16 column 20: byte 0xF6 is not valid UTF-8/,
    );
    expect(ledgerEvents(own, { run_id: 'sites', type: 'work.artifact.written' })).toEqual([]);
  });

  it('decodes the declared encoding and writes the artifact as UTF-8', async () => {
    const own = roots.clone(root);
    latin1Sites(own, 'windows-1252');
    await stage(own, ['ingest', SITES, '--run_id', 'sites']);

    await stage(own, ['transform', SITES, '--run_id', 'sites']);

    const [written] = ledgerEvents(own, { run_id: 'sites', type: 'work.artifact.written' });
    const artifact = join(own, 'data', 'work', SITES, (written!.payload as { path: string }).path);
    expect(readFileSync(artifact, 'utf8')).toContain('"Döniphan rock art"');
  });
});
