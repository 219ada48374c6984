import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkProcessedDataset, checkProcessedZone } from '../../src/audit/check-processed-files.js';
import { checkRawDataset, checkRawZone } from '../../src/audit/check-raw-files.js';
import { checkTempFiles } from '../../src/audit/check-temp-files.js';
import { FileExpectations } from '../../src/audit/file-expectations.js';
import type { AuditFailure } from '../../src/projections/audit-failure.js';
import { renderChecksums } from '../../src/zones/checksums.js';
import { zoneLayout } from '../../src/zones/zone-layout.js';
import { AUDIT_DS, publishedPayload, type RunDraft, stage } from '../support/audit-history.js';
import { ledgerEvents } from '../support/ledger-events.js';
import { useTempDirs } from '../support/temp-dirs.js';

// The file checks of `kfm verify --deep` on small hand-made roots: every case a real folder on disk
// laid out as the events say, then changed in exactly one way.

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const RAW = 'station,temp\nA,1\n';
const OUT = 'station,temp_c\nA,1.0\n';
const capture = (path: string, content: string, extra: Record<string, unknown> = {}) => ({
  capture_id: 'r1',
  path,
  sha256: sha(content),
  bytes: Buffer.byteLength(content),
  source_uri: 'file:///a.csv',
  ...extra,
});
const artifacts = [{ path: 'a.csv', sha256: sha(OUT), bytes: Buffer.byteLength(OUT) }];
const version = publishedPayload(artifacts);
const V = version.version_id;

const tempRoot = useTempDirs('verify-deep-files');

/** A root whose raw and processed zones hold exactly what `drafts` record. */
function rootFor(drafts: RunDraft[]) {
  const root = tempRoot();
  const layout = zoneLayout(root);
  const expectations = new FileExpectations();
  for (const event of ledgerEvents(AUDIT_DS, drafts)) expectations.push(event);
  const put = (path: string, content: string) => {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, content);
  };
  put(join(layout.raw, AUDIT_DS, 'r1/a.csv'), RAW);
  put(join(layout.raw, AUDIT_DS, 'manifest.yml'), 'projection\n');
  put(join(layout.processed, AUDIT_DS, V, 'a.csv'), OUT);
  put(join(layout.processed, AUDIT_DS, V, 'checksums.sha256'), renderChecksums(artifacts));
  // Each zone, then each dataset folder in it or in the events, as verify --deep walks them.
  const check = async (): Promise<AuditFailure[]> => {
    const [raw, processed] = [await checkRawZone(layout), await checkProcessedZone(layout)];
    const ids = (found: string[]) => [...new Set([AUDIT_DS, ...found])].sort();
    const failures = [...raw.failures];
    for (const id of ids(raw.datasets))
      failures.push(...(await checkRawDataset(layout, id, expectations.raw.get(id) ?? new Map(), () => {})));
    failures.push(...processed.failures);
    for (const id of ids(processed.datasets)) {
      const versions = expectations.versions.get(id) ?? new Map();
      failures.push(...(await checkProcessedDataset(layout, id, versions, () => {})));
    }
    return failures;
  };
  return { layout, check, raw: join(layout.raw, AUDIT_DS), version: join(layout.processed, AUDIT_DS, V) };
}

const history = (): RunDraft[] => [
  ...stage('r1', 'ingest', ['raw.captured', capture('r1/a.csv', RAW)]),
  ...stage('r1', 'promote', ['version.published', version]),
];
const findings = (failures: AuditFailure[]) => failures.map(({ seq, path, code }) => ({ seq, path, code }));

describe('the file checks of verify --deep', () => {
  it('find nothing when the zones hold exactly what the events record', async () => {
    expect(await rootFor(history()).check()).toEqual([]);
  });

  it('accept a capture seen before that points at the file stored the first time', async () => {
    const again = stage('r2', 'ingest', ['raw.captured', capture('r1/a.csv', RAW, { seen_before: true })]);
    expect(await rootFor([...history(), ...again]).check()).toEqual([]);
  });

  it('report RAW_FILE_UNEXPECTED for a file beside the captures, and one outside any dataset', async () => {
    const r = rootFor(history());
    writeFileSync(join(r.raw, 'r1', 'stray.csv'), 'x');
    writeFileSync(join(r.layout.raw, 'loose.txt'), 'x');
    expect(findings(await r.check())).toEqual([
      { seq: undefined, path: 'data/raw/loose.txt', code: 'RAW_FILE_UNEXPECTED' },
      { seq: undefined, path: `data/raw/${AUDIT_DS}/r1/stray.csv`, code: 'RAW_FILE_UNEXPECTED' },
    ]);
  });

  it('report RAW_FILE_MISMATCH for a raw file replaced by a symlink, without following it', async () => {
    const r = rootFor(history());
    const elsewhere = join(r.layout.root, 'same-bytes.csv');
    writeFileSync(elsewhere, RAW);
    rmSync(join(r.raw, 'r1/a.csv'));
    symlinkSync(elsewhere, join(r.raw, 'r1/a.csv'));
    expect(findings(await r.check())).toEqual([
      { seq: 2, path: `data/raw/${AUDIT_DS}/r1/a.csv`, code: 'RAW_FILE_MISMATCH' },
    ]);
  });

  it('never read a recorded raw path that leaves the dataset folder: RAW_FILE_MISSING', async () => {
    const leaving = stage('r2', 'ingest', ['raw.captured', capture('../../../etc/hostname', 'x')]);
    const r = rootFor([...history(), ...leaving]);
    const failure = (await r.check()).find((f) => f.seq === 8);
    expect(failure).toMatchObject({ code: 'RAW_FILE_MISSING' });
    expect(failure?.message).toContain('nothing was read');
  });

  it('report PROCESSED_VERSION_UNRECORDED for a version folder no event records, and leave staging and temp files to TEMP_FILE_LEFT', async () => {
    const r = rootFor(history());
    mkdirSync(join(r.layout.processed, AUDIT_DS, 'v0123456789abcdef'));
    mkdirSync(join(r.layout.processed, AUDIT_DS, '.staging-r9'));
    writeFileSync(join(r.raw, 'r1', '.a.csv.0123456789ab.tmp'), 'half');
    expect(findings(await r.check())).toEqual([
      {
        seq: undefined,
        path: `data/processed/${AUDIT_DS}/v0123456789abcdef`,
        code: 'PROCESSED_VERSION_UNRECORDED',
      },
    ]);
    expect(findings(await checkTempFiles([r.layout]))).toEqual([
      { seq: undefined, path: `data/raw/${AUDIT_DS}/r1/.a.csv.0123456789ab.tmp`, code: 'TEMP_FILE_LEFT' },
      { seq: undefined, path: `data/processed/${AUDIT_DS}/.staging-r9`, code: 'TEMP_FILE_LEFT' },
    ]);
  });

  it('report PROCESSED_FILE_MISSING for a deleted artifact and PROCESSED_FILE_MISMATCH for edited checksums', async () => {
    const r = rootFor(history());
    rmSync(join(r.version, 'a.csv'));
    writeFileSync(join(r.version, 'checksums.sha256'), `${sha('other')}  a.csv\n`);
    expect(findings(await r.check())).toEqual([
      { seq: 5, path: `data/processed/${AUDIT_DS}/${V}/a.csv`, code: 'PROCESSED_FILE_MISSING' },
      { seq: 5, path: `data/processed/${AUDIT_DS}/${V}/checksums.sha256`, code: 'PROCESSED_FILE_MISMATCH' },
    ]);
  });

  it('report PROCESSED_FILE_MISMATCH for an artifact replaced by a symlink, and a stray file as UNEXPECTED', async () => {
    const r = rootFor(history());
    const elsewhere = join(r.layout.root, 'same-bytes.csv');
    writeFileSync(elsewhere, OUT);
    rmSync(join(r.version, 'a.csv'));
    symlinkSync(elsewhere, join(r.version, 'a.csv'));
    mkdirSync(join(r.version, 'sub'));
    writeFileSync(join(r.version, 'sub', 'b.csv'), 'x');
    expect(findings(await r.check())).toEqual([
      { seq: 5, path: `data/processed/${AUDIT_DS}/${V}/a.csv`, code: 'PROCESSED_FILE_MISMATCH' },
      { seq: 5, path: `data/processed/${AUDIT_DS}/${V}/sub/b.csv`, code: 'PROCESSED_FILE_UNEXPECTED' },
    ]);
  });

  it('report PROCESSED_FILE_MISSING at the folder when a whole version is gone', async () => {
    const r = rootFor(history());
    rmSync(r.version, { recursive: true });
    expect(findings(await r.check())).toEqual([
      { seq: 5, path: `data/processed/${AUDIT_DS}/${V}`, code: 'PROCESSED_FILE_MISSING' },
    ]);
  });

  it('never look up an artifact path that is not a file name in its version folder', async () => {
    const forged = publishedPayload([{ ...artifacts[0]!, path: '../../raw/x.csv' }]);
    const r = rootFor([...stage('r1', 'promote', ['version.published', forged])]);
    mkdirSync(join(r.layout.processed, AUDIT_DS, forged.version_id));
    const failures = await r.check();
    expect(failures).toContainEqual(
      expect.objectContaining({
        path: `data/processed/${AUDIT_DS}/${forged.version_id}/../../raw/x.csv`,
        code: 'PROCESSED_FILE_MISSING',
      }),
    );
  });
});
