import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateRoot } from '../../bench/lineage-root.js';
import { nodeSha256Hex } from '../../src/ledger/node-hasher.js';
import { decodeEvent } from '../../src/projections/ledger-event.js';
import { zoneLayout } from '../../src/zones/zone-layout.js';
import { kfmJson } from '../support/kfm-cli.js';
import { ledgerPath, withLedgerFile } from '../support/ledger-file.js';
import { useTempDirs } from '../support/temp-dirs.js';
import { wholeLedgerFiles } from '../support/whole-ledger-files.js';

// `kfm replay` goes a dataset at a time; on a ledger of many runs it must still write, and check,
// exactly what the whole-ledger replay gives. The ledger is the benchmark's own history
// (bench/lineage-history.ts) at a small size: 6 datasets whose runs interleave round by round, 36
// versions, reruns that reuse a version, denied promotions and failed ingests, appended through the
// real API with their raw and processed files on disk.

type Replay = { ok: boolean; events: number; files: number; rewritten: number; drift: unknown[] };

describe('kfm replay of a ledger of many runs over many datasets', () => {
  const tempDir = useTempDirs('replay-many-runs');
  let root = '';

  beforeAll(async () => {
    root = tempDir();
    await generateRoot(root, { events: 3000, datasets: 6, versions: 36 });
  }, 120_000);

  const expectedFiles = () =>
    wholeLedgerFiles(
      withLedgerFile(ledgerPath(root), (db) =>
        (
          db.prepare('SELECT body, hash FROM events ORDER BY seq').all() as { body: Buffer; hash: string }[]
        ).map(decodeEvent),
      ),
      nodeSha256Hex,
    );

  it('writes exactly the files of the whole-ledger replay; --check and verify --deep then pass', async () => {
    const replay = await kfmJson<Replay>(root, ['replay']);
    expect(replay.json).toMatchObject({ ok: true, events: 3000, drift: [] });
    const expected = expectedFiles();
    expect(replay.json.files).toBe(expected.length);
    expect(replay.json.rewritten).toBe(expected.length);
    const layout = zoneLayout(root);
    for (const file of expected)
      expect(readFileSync(join(layout[file.zone], file.path), 'utf8')).toBe(file.content);

    const check = await kfmJson<Replay>(root, ['replay', '--check']);
    expect(check.status).toBe(0);
    expect(check.json).toMatchObject({ ok: true, rewritten: 0, files: expected.length });
    const deep = await kfmJson<{ ok: boolean }>(root, ['verify', '--deep']);
    expect(deep.json.ok).toBe(true);
  }, 120_000);

  it('restores deleted receipts and catalogs byte for byte', async () => {
    const layout = zoneLayout(root);
    rmSync(layout.work, { recursive: true, force: true });
    rmSync(layout.catalog, { recursive: true, force: true });
    const missing = await kfmJson<Replay>(root, ['replay', '--check']);
    expect(missing.status).toBe(1);
    const replay = await kfmJson<Replay>(root, ['replay']);
    expect(replay.json.ok).toBe(true);
    for (const file of expectedFiles().filter((f) => f.zone !== 'raw'))
      expect(readFileSync(join(layout[file.zone], file.path), 'utf8')).toBe(file.content);
  }, 120_000);
});
