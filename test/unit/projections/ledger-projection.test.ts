import { describe, expect, it } from 'vitest';
import { LedgerProjection, projectAllFiles, sortFiles } from '../../../src/contract/projected-files.js';
import { contentHash, versionIdOf } from '../../../src/contract/promotion/content-hash.js';
import { MemoryLedger } from '../../../src/ledger/memory-ledger.js';
import { nobleEventHasher, nobleSha256Hex, utf8 } from '../../../src/ledger/pure/event-hash.js';
import { PROJECTION_TABLE_NAMES } from '../../../src/ledger/read-models.js';
import { decodeEvent, type LedgerEvent } from '../../../src/projections/ledger-event.js';
import { projectRows } from '../../../src/projections/read-models.js';
import { started } from '../../support/ledger-events.js';
import { wholeLedgerFiles } from '../../support/whole-ledger-files.js';

// Replay goes a dataset at a time; the files and rows it rebuilds must be exactly those of the
// whole-ledger replay it replaced (test/support/whole-ledger-files.ts), on a ledger with the cases
// where datasets meet: interleaved runs, several promotions and a reuse of one dataset, a dataset
// that stopped being spatial, a backfill, a dataset named `catalog`, one that never published.

type Draft = [dataset: string, run: string, type: string, payload: Record<string, unknown>];
const sha = (text: string) => nobleSha256Hex(utf8(text));
const registry = (ds: string, spatial: boolean) => ({
  dataset_id: ds,
  title: `${ds} (test)`,
  publisher: 'tests',
  license: 'CC-BY-4.0',
  sensitivity: 'public',
  policy_labels: ['open'],
  spatial,
});

function versionOf(ds: string, n: number, spatial: boolean, supersedes: string | null) {
  const artifacts = [{ path: 'data.csv', sha256: sha(`${ds}-${n}`), bytes: 10 + n }];
  const content_hash = contentHash(ds, artifacts, nobleSha256Hex);
  const version_id = versionIdOf(content_hash);
  const bbox = spatial ? { bbox: [-100 + n, 37, -99 + n, 38] } : {};
  return { version_id, content_hash, artifacts, supersedes, registry: registry(ds, spatial), ...bbox };
}

const stage = (ds: string, run: string, name: string, ...body: [string, Record<string, unknown>][]) => [
  [ds, run, 'run.started', started(name)] as Draft,
  ...body.map(([type, payload]): Draft => [ds, run, type, payload]),
  [
    ds,
    run,
    'run.completed',
    { status: name === 'promote' && body[0]?.[0] === 'promotion.denied' ? 'denied' : 'succeeded' },
  ] as Draft,
];

/** ingest → transform → validate → promote in one run, as `kfm ingest … promote` records it. */
function truthPath(
  ds: string,
  run: string,
  passed: boolean,
  promotion: [string, Record<string, unknown>],
): Draft[] {
  const raw = `${run}/a.csv`;
  return [
    ...stage(ds, run, 'ingest', [
      'raw.captured',
      { capture_id: run, path: raw, sha256: sha(raw), bytes: 5, source_uri: `https://example.org/${ds}.csv` },
    ]),
    ...stage(ds, run, 'transform', [
      'work.artifact.written',
      { path: `runs/${run}/artifacts/data.csv`, sha256: sha(run), bytes: 7, derived_from: [raw] },
    ]),
    ...stage(ds, run, 'validate', ['validation.reported', { passed, checks: [{ name: 'rows', passed }] }]),
    ...stage(ds, run, 'promote', promotion),
  ];
}

const denied: [string, Record<string, unknown>] = [
  'promotion.denied',
  { reasons: [{ code: 'VALIDATION_FAILED', message: 'validation failed' }] },
];

function backfill(ds: string): Draft[] {
  const w = { since: '2026-01-01T00:00:00.000Z', until: '2026-01-02T00:00:00.000Z' };
  return [
    [ds, 'bf1', 'run.started', { ...started('backfill'), args: { batch: 'P1D' }, window: w }],
    [ds, 'bf1-a', 'run.started', { ...started('ingest'), window: w, parent_run_id: 'bf1' }],
    [ds, 'bf1-a', 'run.completed', { status: 'succeeded' }],
    [
      ds,
      'bf1',
      'backfill.window.completed',
      { window: w, child_run_id: 'bf1-a', files: 1, rows: 3, sha256: sha('w') },
    ],
    [ds, 'bf1', 'run.completed', { status: 'succeeded' }],
  ];
}

function history(): Draft[] {
  const a1 = versionOf('ks_a', 1, true, null);
  const a2 = versionOf('ks_a', 2, true, a1.version_id);
  const a3 = versionOf('ks_a', 3, true, a2.version_id);
  const b1 = versionOf('ks_b', 1, true, null);
  const b2 = versionOf('ks_b', 2, false, b1.version_id);
  const c1 = versionOf('ks_c', 1, false, null);
  const cat = versionOf('catalog', 1, false, null);
  const reuse = (v: typeof a2): [string, Record<string, unknown>] => [
    'version.reused',
    { version_id: v.version_id, content_hash: v.content_hash, registry: v.registry },
  ];
  return [
    ...truthPath('ks_a', 'a1', true, ['version.published', a1]),
    ...truthPath('ks_b', 'b1', true, ['version.published', b1]),
    ...backfill('ks_c'),
    ...truthPath('ks_a', 'a2', true, ['version.published', a2]),
    ...truthPath('catalog', 'cat1', true, ['version.published', cat]),
    ...truthPath('ks_a', 'a3', false, denied),
    ...stage('ks_d', 'd1', 'ingest'),
    ...truthPath('ks_c', 'c1', true, ['version.published', c1]),
    ...truthPath('ks_a', 'a4', true, reuse(a2)),
    ...truthPath('ks_b', 'b2', true, ['version.published', b2]),
    ...truthPath('ks_a', 'a5', true, ['version.published', a3]),
  ];
}

function seal(drafts: Draft[]): LedgerEvent[] {
  let t = Date.parse('2026-11-01T00:00:00Z');
  const ledger = new MemoryLedger({
    actor: { tool: 'kfm', tool_version: 'test', operator: 'tester' },
    hasher: nobleEventHasher,
    now: () => (t += 1000),
  });
  ledger.appendEvents(
    drafts.map(([dataset_id, run_id, type, payload]) => ({ type, dataset_id, run_id, payload })),
  );
  return [...ledger.readEvents()].map(decodeEvent);
}

function byDataset(events: readonly LedgerEvent[]): Map<string, LedgerEvent[]> {
  const groups = new Map<string, LedgerEvent[]>();
  for (const e of events) groups.set(e.dataset_id, [...(groups.get(e.dataset_id) ?? []), e]);
  return groups;
}

describe('LedgerProjection', () => {
  const events = seal(history());

  it('rebuilds exactly the files of the whole-ledger replay', () => {
    const whole = wholeLedgerFiles(events, nobleSha256Hex);
    expect(whole.map((f) => f.path)).toEqual(
      expect.arrayContaining([
        'dcat/catalog.json',
        'stac/ks_b/collection.json',
        'prov/ks_a/run_a4.json',
        'ks_c/runs/bf1/run_record.json',
      ]),
    );
    expect(projectAllFiles(events, nobleSha256Hex)).toEqual(whole);
  });

  it('gives the same files whatever order the datasets come in', () => {
    const projection = new LedgerProjection(nobleSha256Hex);
    const groups = [...byDataset(events).values()].reverse();
    const files = [...groups.flatMap((g) => projection.dataset(g)), ...projection.finish()];
    expect(sortFiles(files)).toEqual(wholeLedgerFiles(events, nobleSha256Hex));
  });

  it('gives the same files on a ledger of many runs over many datasets', () => {
    const many: Draft[] = [];
    const last = new Map<string, ReturnType<typeof versionOf>>();
    for (let r = 0; r < 40; r++) {
      for (const ds of ['ks_m0', 'ks_m1', 'ks_m2', 'ks_m3', 'ks_m4']) {
        const previous = last.get(ds);
        const spatial = ds !== 'ks_m0';
        if (r % 7 === 3) many.push(...truthPath(ds, `${ds}-${r}`, false, denied));
        else if (r % 5 === 4 && previous !== undefined)
          many.push(
            ...truthPath(ds, `${ds}-${r}`, true, [
              'version.reused',
              {
                version_id: previous.version_id,
                content_hash: previous.content_hash,
                registry: previous.registry,
              },
            ]),
          );
        else {
          const v = versionOf(ds, r, spatial, previous?.version_id ?? null);
          last.set(ds, v);
          many.push(...truthPath(ds, `${ds}-${r}`, true, ['version.published', v]));
        }
      }
    }
    const manyEvents = seal(many);
    expect(projectAllFiles(manyEvents, nobleSha256Hex)).toEqual(wholeLedgerFiles(manyEvents, nobleSha256Hex));
  });
});

describe('projectRows, a dataset at a time', () => {
  it('gives every table exactly the rows of one fold over the whole ledger', () => {
    const events = seal(history());
    const whole = projectRows(events);
    for (const table of PROJECTION_TABLE_NAMES) {
      const merged = new Map([...byDataset(events).values()].flatMap((g) => [...projectRows(g)[table]]));
      expect(merged).toEqual(whole[table]);
    }
  });
});
