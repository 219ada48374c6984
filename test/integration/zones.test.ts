import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { KfmError } from '../../src/errors.js';
import { renderChecksums } from '../../src/zones/checksums.js';
import { sha256File } from '../../src/zones/file-digest.js';
import { unsafePathReason } from '../../src/zones/relative-path.js';
import { ZONES, type Zone, zoneLayout } from '../../src/zones/zone-layout.js';
import { createZoneWriter, type ZoneWriter } from '../../src/zones/zone-writer.js';

// Real folders under os.tmpdir(), one fresh root per test, all removed at the end.
const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});
function freshRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'kfm-zones-'));
  roots.push(root);
  return root;
}

/** The seed's "Zone write scope" per contract step. */
const SCOPES: Record<string, Zone[]> = {
  ingest: ['raw', 'work'],
  transform: ['work'],
  validate: ['work'],
  promote: ['processed', 'catalog'],
};

async function rejection(promise: Promise<unknown> | (() => unknown)): Promise<KfmError> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    if (error instanceof KfmError) return error;
    throw error;
  }
  throw new Error('expected a KfmError');
}

/** Deterministic bytes in uneven chunks: tiny ones (past the 512-iovec batch) and large ones. */
async function* chunks(sizes: readonly number[], failAfter?: number): AsyncGenerator<Uint8Array> {
  let n = 0;
  for (const size of sizes) {
    if (failAfter !== undefined && n === failAfter) throw new Error('upstream reset mid-body');
    yield Buffer.alloc(size, n % 251);
    n++;
  }
}
const SIZES = [...Array.from({ length: 700 }, (_, i) => 1 + (i % 37)), 3 << 20, 65_536, 12_345];
const concat = (sizes: readonly number[]) => Buffer.concat(sizes.map((s, n) => Buffer.alloc(s, n % 251)));

function setup(stage: keyof typeof SCOPES = 'ingest'): {
  root: string;
  writer: ZoneWriter;
  dir: (z: Zone) => string;
} {
  const root = freshRoot();
  const layout = zoneLayout(root);
  return { root, writer: createZoneWriter(layout, SCOPES[stage]!, { stage }), dir: (z) => layout[z] };
}

describe('createZoneWriter', () => {
  describe('when a stage writes a zone outside its scope', () => {
    const cases = Object.entries(SCOPES).flatMap(([stage, allowed]) =>
      ZONES.filter((z) => !allowed.includes(z)).map((zone) => [stage, zone, allowed] as const),
    );
    it.each(cases)('%s writing %s throws ZONE_VIOLATION and writes nothing', async (stage, zone, allowed) => {
      const { writer, dir } = setup(stage);
      const attempts = [
        writer.writeFile(zone, 'ds/a.json', '{}'),
        writer.captureStream(zone, 'ds/b.bin', chunks([10])),
        writer.mkdir(zone, 'ds/c'),
      ];
      for (const attempt of attempts) {
        const error = await rejection(attempt);
        expect(error.code).toBe('ZONE_VIOLATION');
        expect(error.message).toContain(`${stage} may write only the ${allowed.join(' and ')} zone`);
        expect(error.message).toContain(`not the ${zone} zone (ds/`);
      }
      expect(existsSync(dir(zone))).toBe(false);
    });

    it.each(Object.entries(SCOPES))('%s may write each of its own zones', async (stage, allowed) => {
      const { writer, dir } = setup(stage);
      for (const zone of allowed) {
        await writer.writeFile(zone, 'ds/ok.txt', 'ok\n');
        expect(readFileSync(join(dir(zone), 'ds/ok.txt'), 'utf8')).toBe('ok\n');
      }
    });
  });

  describe('when a path would leave its zone', () => {
    it.each(['../x', '/etc/passwd', 'a/../../x', 'a//b', './a', '', 'a\0b', 'a\\..\\b'])(
      '%j is PATH_UNSAFE for every method',
      async (rel) => {
        const { writer } = setup();
        for (const attempt of [
          () => writer.writeFile('raw', rel, 'x'),
          () => writer.captureStream('raw', rel, chunks([1])),
          () => writer.mkdir('raw', rel),
          () => writer.resolve('raw', rel),
          () => writer.exists('raw', rel),
        ]) {
          expect((await rejection(attempt)).code).toBe('PATH_UNSAFE');
        }
      },
    );

    it('refuses a symlinked folder inside the zone that points outside, creating nothing there', async () => {
      const { root, writer, dir } = setup();
      const outside = join(root, 'outside');
      mkdirSync(outside);
      mkdirSync(dir('raw'), { recursive: true });
      symlinkSync(outside, join(dir('raw'), 'link'));
      for (const rel of ['link/x', 'link/new/deeper/x']) {
        expect((await rejection(writer.writeFile('raw', rel, 'x'))).code).toBe('PATH_UNSAFE');
        expect((await rejection(writer.captureStream('raw', rel, chunks([1])))).code).toBe('PATH_UNSAFE');
        expect((await rejection(() => writer.resolve('raw', rel))).code).toBe('PATH_UNSAFE');
      }
      expect((await rejection(writer.mkdir('raw', 'link/sub'))).code).toBe('PATH_UNSAFE');
      expect(readdirSync(outside)).toEqual([]);
    });

    it('accepts a symlinked folder that stays inside the zone', async () => {
      const { writer, dir } = setup();
      mkdirSync(join(dir('raw'), 'real'), { recursive: true });
      symlinkSync(join(dir('raw'), 'real'), join(dir('raw'), 'alias'));
      await writer.writeFile('raw', 'alias/x', 'x');
      expect(readFileSync(join(dir('raw'), 'real/x'), 'utf8')).toBe('x');
    });

    it('refuses a symlinked file wherever it points, even dangling, and leaves its target alone', async () => {
      const { root, writer, dir } = setup();
      const secret = join(root, 'secret.txt');
      writeFileSync(secret, 'secret');
      mkdirSync(join(dir('work'), 'ds'), { recursive: true });
      writeFileSync(join(dir('work'), 'ds/inside.txt'), 'inside');
      symlinkSync(secret, join(dir('work'), 'ds/out'));
      symlinkSync(join(dir('work'), 'ds/inside.txt'), join(dir('work'), 'ds/in'));
      symlinkSync(join(root, 'nowhere'), join(dir('work'), 'ds/dangling'));
      for (const rel of ['ds/out', 'ds/in', 'ds/dangling']) {
        expect((await rejection(writer.writeFile('work', rel, 'overwritten'))).code).toBe('PATH_UNSAFE');
        expect((await rejection(() => writer.resolve('work', rel))).code).toBe('PATH_UNSAFE');
      }
      expect(readFileSync(secret, 'utf8')).toBe('secret');
      expect(existsSync(join(root, 'nowhere'))).toBe(false);
    });
  });

  describe('captureStream', () => {
    it('writes a read-only file whose sha256 equals node:crypto and the sha256sum tool', async () => {
      const { writer, dir } = setup();
      const written = await writer.captureStream('raw', 'ds/run/data.bin', chunks(SIZES), { readOnly: true });
      const path = join(dir('raw'), 'ds/run/data.bin');
      const expected = concat(SIZES);
      expect(written).toEqual({
        path: 'ds/run/data.bin',
        sha256: createHash('sha256').update(expected).digest('hex'),
        bytes: expected.byteLength,
      });
      expect(readFileSync(path).equals(expected)).toBe(true);
      expect(statSync(path).mode & 0o777).toBe(0o444);
      expect(execFileSync('sha256sum', [path], { encoding: 'utf8' }).slice(0, 64)).toBe(written.sha256);
      expect(await sha256File(path)).toEqual({ sha256: written.sha256, bytes: written.bytes });
      expect(readdirSync(join(dir('raw'), 'ds/run'))).toEqual(['data.bin']);
    });

    it('leaves nothing, not even a temp file, when the source throws mid-body', async () => {
      const { writer, dir } = setup();
      const capture = writer.captureStream('raw', 'ds/run/data.bin', chunks(SIZES, 702), { readOnly: true });
      await expect(capture).rejects.toThrow('upstream reset mid-body');
      expect(readdirSync(join(dir('raw'), 'ds/run'))).toEqual([]);
    });

    it('keeps the previous file whole when a replacing capture fails', async () => {
      const { writer, dir } = setup();
      await writer.writeFile('work', 'ds/out.bin', 'previous');
      await expect(writer.captureStream('work', 'ds/out.bin', chunks(SIZES, 701))).rejects.toThrow(
        'mid-body',
      );
      expect(readFileSync(join(dir('work'), 'ds/out.bin'), 'utf8')).toBe('previous');
      expect(readdirSync(join(dir('work'), 'ds'))).toEqual(['out.bin']);
    });

    it('refuses a body shorter or longer than expectedBytes with IO, leaving nothing', async () => {
      const { writer, dir } = setup();
      const total = concat(SIZES).byteLength;
      for (const expectedBytes of [total + 1, total - 1]) {
        const error = await rejection(
          writer.captureStream('raw', 'ds/x.bin', chunks(SIZES), { expectedBytes }),
        );
        expect(error.code).toBe('IO');
        expect(error.details).toMatchObject({ path: 'raw/ds/x.bin', expected_bytes: expectedBytes });
      }
      expect(readdirSync(join(dir('raw'), 'ds'))).toEqual([]);
    });

    it('stops pulling a source that runs past expectedBytes (an endless one included)', async () => {
      const { writer } = setup();
      let pulled = 0;
      let closed = false;
      async function* endless(): AsyncGenerator<Uint8Array> {
        try {
          for (;;) {
            pulled++;
            yield Buffer.alloc(4096);
          }
        } finally {
          closed = true;
        }
      }
      const error = await rejection(
        writer.captureStream('raw', 'ds/x.bin', endless(), { expectedBytes: 10_000 }),
      );
      expect(error.code).toBe('IO');
      expect(pulled).toBe(3);
      expect(closed).toBe(true);
    });

    it('never replaces a read-only file (ZONE_VIOLATION), and writes read-only files only once', async () => {
      const { writer, dir } = setup();
      await writer.captureStream('raw', 'ds/a.bin', chunks([5]), { readOnly: true });
      const again = await rejection(writer.captureStream('raw', 'ds/a.bin', chunks([6]), { readOnly: true }));
      expect(again.code).toBe('ZONE_VIOLATION');
      expect((await rejection(writer.writeFile('raw', 'ds/a.bin', 'new'))).code).toBe('ZONE_VIOLATION');
      await writer.writeFile('raw', 'ds/b.txt', 'writable');
      expect((await rejection(writer.writeFile('raw', 'ds/b.txt', 'x', { readOnly: true }))).code).toBe(
        'ZONE_VIOLATION',
      );
      expect(readFileSync(join(dir('raw'), 'ds/a.bin')).byteLength).toBe(5);
    });
  });

  describe('writeFile, mkdir, exists and resolve', () => {
    it('writes atomically, replaces a writable file, and leaves no temp file', async () => {
      const { writer, dir } = setup('promote');
      expect(writer.exists('catalog', 'dcat/ds.json')).toBe(false);
      const first = await writer.writeFile('catalog', 'dcat/ds.json', '{"a":1}\n');
      const second = await writer.writeFile('catalog', 'dcat/ds.json', new Uint8Array([0x7b, 0x7d]));
      expect(first).toEqual({
        path: 'dcat/ds.json',
        sha256: createHash('sha256').update('{"a":1}\n').digest('hex'),
        bytes: 8,
      });
      expect(second.bytes).toBe(2);
      expect(readdirSync(join(dir('catalog'), 'dcat'))).toEqual(['ds.json']);
      expect(writer.exists('catalog', 'dcat/ds.json')).toBe(true);
      expect(writer.resolve('catalog', 'dcat/ds.json')).toBe(join(dir('catalog'), 'dcat/ds.json'));
      expect(await writer.mkdir('processed', 'ds/v1/sub')).toBe(join(dir('processed'), 'ds/v1/sub'));
      expect(statSync(join(dir('processed'), 'ds/v1/sub')).isDirectory()).toBe(true);
    });
  });
});

describe('zoneLayout', () => {
  it('puts the zones under <root>/data, or where the override flags say', () => {
    const layout = zoneLayout('/r', { raw_dir: '/big/raw', processed_dir: '/pub' });
    expect(layout).toEqual({
      root: '/r',
      raw: '/big/raw',
      work: '/r/data/work',
      processed: '/pub',
      catalog: '/r/data/catalog',
    });
  });

  it('refuses zones that overlap or an empty flag (INVALID_INPUT)', async () => {
    expect((await rejection(() => zoneLayout('/r', { raw_dir: '/r/data/work/raw' }))).code).toBe(
      'INVALID_INPUT',
    );
    expect((await rejection(() => zoneLayout('/r', { processed_dir: '/r/data/work' }))).code).toBe(
      'INVALID_INPUT',
    );
    expect((await rejection(() => zoneLayout('/r', { work_dir: '/r/data' }))).code).toBe('INVALID_INPUT');
    expect((await rejection(() => zoneLayout('/r', { work_dir: '' }))).code).toBe('INVALID_INPUT');
  });
});

describe('checksums.sha256 and the real sha256sum -c', () => {
  const check = (cwd: string) =>
    spawnSync('sha256sum', ['-c', '--strict', 'checksums.sha256'], { cwd, encoding: 'utf8' });

  it('passes on a rendered file, and fails once a byte changes', async () => {
    const { writer, dir } = setup();
    const files = ['run1/a.csv', 'run1/b c.json', 'run2/é/名前.geojson', '.staging-x/z'];
    const written = [];
    for (const [i, rel] of files.entries())
      written.push(await writer.writeFile('raw', `ds/${rel}`, `content ${i}\n`));
    const entries = written.map((w) => ({ path: w.path.slice('ds/'.length), sha256: w.sha256 }));
    await writer.writeFile('raw', 'ds/checksums.sha256', renderChecksums(entries));
    const ok = check(join(dir('raw'), 'ds'));
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout.trim().split('\n')).toHaveLength(files.length);
    await writer.writeFile('raw', 'ds/run1/a.csv', 'tampered\n');
    expect(check(join(dir('raw'), 'ds')).status).toBe(1);
  });

  it('passes for any safe Unicode paths (property, real files)', async () => {
    const segment = fc
      .string({ unit: 'binary', minLength: 1, maxLength: 8 })
      .filter((s) => !s.includes('/') && unsafePathReason(s) === undefined && s !== 'checksums.sha256');
    const paths = fc.uniqueArray(
      fc.array(segment, { minLength: 1, maxLength: 3 }).map((p) => p.join('/')),
      {
        minLength: 1,
        maxLength: 5,
      },
    );
    await fc.assert(
      fc.asyncProperty(paths, async (list) => {
        const { writer, dir } = setup();
        // A path that is also a folder of another cannot exist on disk; skip those draws.
        fc.pre(list.every((p) => !list.some((q) => q.startsWith(`${p}/`))));
        const entries = [];
        for (const rel of list) entries.push(await writer.writeFile('work', rel, rel));
        await writer.writeFile('work', 'checksums.sha256', renderChecksums(entries));
        const result = check(dir('work'));
        expect(result.stderr).toBe('');
        expect(result.status).toBe(0);
      }),
      { numRuns: 15 },
    );
  });
});
