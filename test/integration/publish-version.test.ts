import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { publishVersion, removeStaleStaging } from '../../src/contract/promotion/publish-version.js';
import { zoneLayout } from '../../src/zones/zone-layout.js';
import { createZoneWriter } from '../../src/zones/zone-writer.js';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

function fixture() {
  const root = mkdtempSync(join(tmpdir(), 'kfm-publish-'));
  const layout = zoneLayout(root);
  const work = join(layout.work, 'ks_x', 'runs', 'r1', 'artifacts');
  mkdirSync(work, { recursive: true });
  writeFileSync(join(work, 'a.csv'), 'a,b\n1,2\n');
  writeFileSync(join(work, 'b.geojson'), '{"type":"FeatureCollection","features":[]}\n');
  const outputs = ['a.csv', 'b.geojson'].map((name) => {
    const text = readFileSync(join(work, name), 'utf8');
    return {
      zone: 'work' as const,
      path: `runs/r1/artifacts/${name}`,
      sha256: sha(text),
      bytes: text.length,
    };
  });
  const artifacts = outputs.map((o) => ({
    path: o.path.split('/').pop()!,
    sha256: o.sha256,
    bytes: o.bytes,
  }));
  const writer = createZoneWriter(layout, ['processed', 'catalog']);
  const request = {
    datasetId: 'ks_x',
    runId: 'r1',
    versionId: 'v0123456789abcdef',
    layout,
    writer,
    outputs,
    artifacts,
  };
  return { layout, request, versionDir: join(layout.processed, 'ks_x', 'v0123456789abcdef') };
}

describe('publishVersion', () => {
  it('writes the artifacts and a sha256sum-format checksums file, read-only, with no staging left', async () => {
    const { request, versionDir, layout } = fixture();
    expect(await publishVersion(request)).toBe('written');
    expect(readdirSync(versionDir).sort()).toEqual(['a.csv', 'b.geojson', 'checksums.sha256']);
    expect(readFileSync(join(versionDir, 'checksums.sha256'), 'utf8')).toBe(
      `${request.artifacts[0]!.sha256}  a.csv\n${request.artifacts[1]!.sha256}  b.geojson\n`,
    );
    expect(statSync(join(versionDir, 'a.csv')).mode & 0o222).toBe(0);
    expect(statSync(versionDir).mode & 0o222).toBe(0);
    expect(readdirSync(join(layout.processed, 'ks_x'))).toEqual(['v0123456789abcdef']);
  });

  it('adopts a whole version folder that an interrupted promotion renamed but never recorded', async () => {
    const { request } = fixture();
    await publishVersion(request);
    expect(await publishVersion(request)).toBe('adopted');
  });

  it('refuses a version folder whose bytes differ from the version it names', async () => {
    const { request, versionDir } = fixture();
    await publishVersion(request);
    chmodSync(versionDir, 0o755);
    chmodSync(join(versionDir, 'a.csv'), 0o644);
    writeFileSync(join(versionDir, 'a.csv'), 'tampered\n');
    await expect(publishVersion(request)).rejects.toMatchObject({ code: 'IO' });
  });
});

describe('removeStaleStaging', () => {
  it('removes only the staging folders an interrupted promotion left', async () => {
    const { request, layout } = fixture();
    await publishVersion(request);
    const stale = join(layout.processed, 'ks_x', '.staging-r0');
    mkdirSync(stale);
    writeFileSync(join(stale, 'half.csv'), 'a,');
    chmodSync(join(stale, 'half.csv'), 0o444);
    expect(removeStaleStaging(request.writer, 'ks_x')).toEqual(['.staging-r0']);
    expect(existsSync(stale)).toBe(false);
    expect(readdirSync(join(layout.processed, 'ks_x'))).toEqual(['v0123456789abcdef']);
  });
});
