import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FILE_CODES, type FileCode } from '../../src/projections/audit-failure.js';
import type { LedgerEvent } from '../../src/projections/ledger-event.js';
import { useDemoRoots } from '../support/demo-root.js';
import { forgeEvents } from '../support/forge-events.js';
import { runKfmJson } from '../support/kfm-cli.js';
import { started } from '../support/ledger-events.js';
import { ledgerEvents, ledgerPath, withLedgerFile } from '../support/ledger-file.js';
import { makeWritable } from '../support/temp-dirs.js';

// README, "What `kfm verify --deep` checks": every file code, produced by `kfm verify --deep --json`
// itself on a copy of a real demo root changed in one way. The cases are keyed by the code list in
// src/, so a new code has no case until one is written here, and this file fails meanwhile.

interface Finding {
  seq?: number;
  path?: string;
  code: string;
}
interface DeepReport {
  ok: boolean;
  failures: (Finding & { message: string; table?: string; key?: string })[];
  failures_omitted: number;
}

const DS = 'ks_mesonet_stations';

/** What the cases need to know about the demo's ks_mesonet_stations run. */
interface Demo {
  runId: string;
  versionId: string;
  captured: LedgerEvent;
  published: LedgerEvent;
  /** Relative to the root. */
  rawFile: string;
  artifact: string;
  runRecord: string;
}

interface Case {
  /** Changes the copy `root` in exactly one way. */
  tamper(root: string, demo: Demo): void;
  /** Every finding verify --deep must then report, in its order. */
  expected(demo: Demo): Finding[];
}

/** Writes `content` at `path` (relative to the root), its folder made writable first. */
function plant(root: string, path: string, content: string): void {
  const dir = dirname(join(root, path));
  mkdirSync(dir, { recursive: true });
  makeWritable(dir);
  writeFileSync(join(root, path), content);
}

function edit(root: string, path: string, change: (file: string) => void): void {
  makeWritable(dirname(join(root, path)));
  makeWritable(join(root, path));
  change(join(root, path));
}

const CASES = {
  RAW_FILE_MISMATCH: {
    tamper: (root, d) => edit(root, d.rawFile, (file) => appendFileSync(file, ' ')),
    expected: (d) => [{ seq: d.captured.seq, path: d.rawFile, code: 'RAW_FILE_MISMATCH' }],
  },
  RAW_FILE_MISSING: {
    tamper: (root, d) => edit(root, d.rawFile, (file) => rmSync(file)),
    expected: (d) => [{ seq: d.captured.seq, path: d.rawFile, code: 'RAW_FILE_MISSING' }],
  },
  RAW_FILE_UNEXPECTED: {
    tamper: (root, d) => plant(root, `data/raw/${DS}/${d.runId}/extra.geojson`, '{}\n'),
    expected: (d) => [{ path: `data/raw/${DS}/${d.runId}/extra.geojson`, code: 'RAW_FILE_UNEXPECTED' }],
  },
  PROCESSED_FILE_MISMATCH: {
    tamper: (root, d) => edit(root, d.artifact, (file) => appendFileSync(file, ' ')),
    expected: (d) => [{ seq: d.published.seq, path: d.artifact, code: 'PROCESSED_FILE_MISMATCH' }],
  },
  PROCESSED_FILE_MISSING: {
    tamper: (root, d) => edit(root, d.artifact, (file) => rmSync(file)),
    expected: (d) => [{ seq: d.published.seq, path: d.artifact, code: 'PROCESSED_FILE_MISSING' }],
  },
  PROCESSED_FILE_UNEXPECTED: {
    tamper: (root, d) => plant(root, `data/processed/${DS}/${d.versionId}/extra.csv`, 'a\n'),
    expected: (d) => [
      {
        seq: d.published.seq,
        path: `data/processed/${DS}/${d.versionId}/extra.csv`,
        code: 'PROCESSED_FILE_UNEXPECTED',
      },
    ],
  },
  PROCESSED_VERSION_UNRECORDED: {
    tamper: (root) => mkdirSync(join(root, `data/processed/${DS}/v0123456789abcdef`)),
    expected: () => [
      { path: `data/processed/${DS}/v0123456789abcdef`, code: 'PROCESSED_VERSION_UNRECORDED' },
    ],
  },
  PROJECTION_DRIFT: {
    // Still a valid receipt: only the bytes differ, so there is no schema finding.
    tamper: (root, d) => edit(root, d.runRecord, (file) => appendFileSync(file, '\n')),
    expected: (d) => [{ path: d.runRecord, code: 'PROJECTION_DRIFT' }],
  },
  PROJECTION_UNREPLAYABLE: {
    // A second promote stage forged into the run, republishing its version with the very same
    // content (no version invariant fires) under a registry snapshot whose temporal range is no
    // date: the vocabulary keeps the snapshot open (it is the registry entry as it was), but no STAC
    // collection can be rendered from it. The tables were not told of the stage either.
    tamper: (root, d) => {
      const payload = d.published.payload as { registry: Record<string, unknown> };
      const registry = { ...payload.registry, temporal: { since: 'the dawn of time' } };
      const draft = (type: string, p: Record<string, unknown>) => ({
        type,
        dataset_id: DS,
        run_id: d.runId,
        payload: p,
      });
      forgeEvents(root, [
        draft('run.started', started('promote')),
        draft('version.published', { ...payload, registry }),
        draft('run.completed', { status: 'succeeded' }),
      ]);
    },
    expected: (d) => [
      { code: 'PROJECTION_UNREPLAYABLE' },
      // The data catalog lists the datasets whose catalogs replay: this one's entry is missing.
      { path: 'data/catalog/dcat/catalog.json', code: 'PROJECTION_DRIFT' },
      { code: 'PROJECTION_ROW_DRIFT', table: 'proj_runs', key: `${DS}/${d.runId}` },
    ],
  },
  PROJECTION_ROW_DRIFT: {
    tamper: (root) =>
      withLedgerFile(ledgerPath(root), (db) =>
        db.prepare("UPDATE proj_versions SET content_hash = '00' WHERE dataset_id = ?").run(DS),
      ),
    expected: (d) => [{ code: 'PROJECTION_ROW_DRIFT', table: 'proj_versions', key: `${DS}/${d.versionId}` }],
  },
  CATALOG_FILE_UNEXPECTED: {
    tamper: (root) => plant(root, 'data/catalog/dcat/ks_forged.json', '{}\n'),
    expected: () => [{ path: 'data/catalog/dcat/ks_forged.json', code: 'CATALOG_FILE_UNEXPECTED' }],
  },
  TEMP_FILE_LEFT: {
    tamper: (root, d) => plant(root, `data/raw/${DS}/${d.runId}/.stations.geojson.0123456789ab.tmp`, 'half'),
    expected: (d) => [
      { path: `data/raw/${DS}/${d.runId}/.stations.geojson.0123456789ab.tmp`, code: 'TEMP_FILE_LEFT' },
    ],
  },
  RECEIPT_SCHEMA_INVALID: {
    tamper: (root, d) => edit(root, d.runRecord, (file) => writeFileSync(file, '[]\n')),
    expected: (d) => [
      { path: d.runRecord, code: 'PROJECTION_DRIFT' },
      { path: d.runRecord, code: 'RECEIPT_SCHEMA_INVALID' },
    ],
  },
} satisfies Record<FileCode, Case>;

const roots = useDemoRoots('promises-verify-deep');
let pristine: string;
let demo: Demo;

beforeAll(async () => {
  pristine = await roots.pristine();
  const of = (type: string) => ledgerEvents(pristine, { type, dataset_id: DS })[0]!;
  const captured = of('raw.captured');
  const published = of('version.published');
  const versionId = (published.payload as { version_id: string }).version_id;
  const runId = published.run_id;
  demo = {
    runId,
    versionId,
    captured,
    published,
    rawFile: `data/raw/${DS}/${(captured.payload as { path: string }).path}`,
    artifact: `data/processed/${DS}/${versionId}/stations.geojson`,
    runRecord: `data/work/${DS}/runs/${runId}/run_record.json`,
  };
});

async function verifyDeep(root: string) {
  return runKfmJson<DeepReport>(['--root', root, '--json', 'verify', '--deep']);
}

/** A finding as the cases state it: the fields they name, and the table and key of a row finding. */
const asFinding = ({ seq, path, code, table, key }: DeepReport['failures'][number]) => ({
  ...(seq === undefined ? {} : { seq }),
  ...(path === undefined ? {} : { path }),
  code,
  ...(table === undefined ? {} : { table, key }),
});

describe('kfm verify --deep, one tampered demo root per file code', () => {
  it('has a case for every file code src/ defines, and no other', () => {
    expect(Object.keys(CASES).sort()).toEqual([...FILE_CODES].sort());
  });

  it('passes the untouched demo root (exit 0)', async () => {
    const run = await verifyDeep(roots.clone(pristine));
    expect(run.json).toMatchObject({ ok: true, failures: [], failures_omitted: 0 });
    expect(run.status).toBe(0);
  });

  it('makes kfm replay refuse an unreplayable root with the same code (exit 1), naming the dataset', async () => {
    const root = roots.clone(pristine);
    CASES.PROJECTION_UNREPLAYABLE.tamper(root, demo);
    for (const args of [['replay', '--check'], ['replay']]) {
      const run = await runKfmJson(['--root', root, '--json', ...args]);
      expect(run.json).toEqual({
        code: 'PROJECTION_UNREPLAYABLE',
        message: `receipts and catalogs of ${DS} cannot be rebuilt from the events: Invalid time value; \`kfm verify --deep\` lists every finding`,
        details: { dataset_id: DS },
      });
      expect(run.status).toBe(1);
    }
  });

  it.each(FILE_CODES)('reports %s (exit 1)', async (code) => {
    const root = roots.clone(pristine);
    CASES[code].tamper(root, demo);
    const run = await verifyDeep(root);
    expect(run.json.failures.map(asFinding)).toEqual(CASES[code].expected(demo));
    expect(run.json.failures.map((f) => f.code)).toContain(code);
    expect(run.json.ok).toBe(false);
    expect(run.status).toBe(1);
  });
});
