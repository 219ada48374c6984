import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nobleSha256Hex } from '../../../src/ledger/pure/event-hash.js';
import { type Columns, MemoryRows, type ProjectionRows } from '../../../src/ledger/read-models.js';
import type { LedgerEvent } from '../../../src/projections/ledger-event.js';
import {
  decodeCapture,
  decodeRun,
  decodeVersion,
  encodeCapture,
  encodeRun,
  encodeVersion,
} from '../../../src/projections/projection-columns.js';
import { diffProjectionRows } from '../../../src/projections/projection-drift.js';
import {
  type CaptureRow,
  evolveRunRow,
  PROJECTED_TYPES,
  type ProjectionStore,
  projectEvent,
  type RunRow,
  type VersionRow,
} from '../../../src/projections/projection-rows.js';
import { projectRows, READ_MODELS } from '../../../src/projections/read-models.js';
import { type Draft, historyArb, sealDrafts } from './lineage-events.js';

/** A store that keeps only encoded columns and decodes on every read, as a ledger's tables do. */
class ColumnStore implements ProjectionStore {
  readonly runs = new Map<string, Columns>();
  readonly versions = new Map<string, Columns>();
  readonly captures = new Map<string, Columns>();
  getRun(d: string, r: string) {
    const c = this.runs.get(`${d}/${r}`);
    return c === undefined ? undefined : decodeRun(structuredClone(c));
  }
  putRun(row: RunRow) {
    this.runs.set(`${row.dataset_id}/${row.run_id}`, encodeRun(row));
  }
  hasVersion(d: string, v: string) {
    return this.versions.has(`${d}/${v}`);
  }
  putVersion(row: VersionRow) {
    this.versions.set(`${row.dataset_id}/${row.version_id}`, encodeVersion(row));
  }
  putCapture(row: CaptureRow) {
    this.captures.set(`${row.dataset_id}/${row.seq}`, encodeCapture(row));
  }
  rows(): ProjectionRows {
    return { proj_runs: this.runs, proj_versions: this.versions, proj_captures: this.captures };
  }
}

const H = (c: string) => c.repeat(64);
const d = (type: string, run_id: string, payload: Record<string, unknown>): Draft => ({
  type,
  dataset_id: 'ks_demo',
  run_id,
  payload,
});
const started = (run: string, stage: string) =>
  d('run.started', run, { stage, spec: {}, spec_hash: H('a'), args: {}, dry_run: false });
const registry = {
  dataset_id: 'ks_demo',
  license: 'CC0-1.0',
  sensitivity: 'public',
  policy_labels: ['open'],
};
const published = (run: string, version_id: string, supersedes: string | null) =>
  d('version.published', run, {
    version_id,
    content_hash: H('c'),
    artifacts: [{ path: 'a.csv', sha256: H('1'), bytes: 3 }],
    supersedes,
    registry,
  });

describe('projectRows', () => {
  describe('when the same events are replayed twice', () => {
    it('gives both times the rows written out by hand, and no drift between the two', () => {
      const events = sealDrafts([
        started('r1', 'ingest'),
        d('raw.captured', 'r1', {
          capture_id: 'r1',
          path: 'r1/a.csv',
          sha256: H('1'),
          bytes: 3,
          source_uri: 'file:///a.csv',
        }),
        d('run.completed', 'r1', { status: 'succeeded' }),
        started('r1', 'promote'),
        published('r1', 'v0000000000000001', null),
        d('run.completed', 'r1', { status: 'succeeded' }),
      ]);
      // sealDrafts records event n at 2026-01-01T00:00:0n.
      const at = (seq: number) => `2026-01-01T00:00:0${seq}.000Z`;
      const stage = (name: string, [from, to]: [number, number]) => ({
        stage: name,
        status: 'succeeded',
        spec_hash: H('a'),
        started_seq: from,
        started_at: at(from),
        completed_seq: to,
        completed_at: at(to),
        error: null,
      });
      const run = {
        dataset_id: 'ks_demo',
        run_id: 'r1',
        parent_run_id: null,
        status: 'succeeded',
        stage: 'promote',
        first_seq: 1,
        last_seq: 6,
        started_at: at(1),
        completed_at: at(6),
        stages: [stage('ingest', [1, 3]), stage('promote', [4, 6])],
        captures: 1,
        validation: null,
        version_id: 'v0000000000000001',
        reused: false,
        promotion_seq: 5,
        denied: null,
      };
      const version = {
        dataset_id: 'ks_demo',
        version_id: 'v0000000000000001',
        content_hash: H('c'),
        run_id: 'r1',
        seq: 5,
        hash: events[4]!.hash,
        published_at: at(5),
        supersedes: null,
        artifacts: [{ path: 'a.csv', sha256: H('1'), bytes: 3 }],
        bbox: null,
      };
      const capture = {
        seq: 2,
        dataset_id: 'ks_demo',
        run_id: 'r1',
        capture_id: 'r1',
        path: 'r1/a.csv',
        sha256: H('1'),
        bytes: 3,
        source_uri: 'file:///a.csv',
        seen_before: false,
        captured_at: at(2),
        hash: events[1]!.hash,
      };
      const [first, second] = [projectRows(events), projectRows(events)];
      for (const rows of [first, second]) {
        expect([...rows.proj_runs].map(([key, c]) => [key, decodeRun(c)])).toEqual([['ks_demo/r1', run]]);
        expect([...rows.proj_versions].map(([key, c]) => [key, decodeVersion(c)])).toEqual([
          ['ks_demo/v0000000000000001', version],
        ]);
        expect([...rows.proj_captures].map(([key, c]) => [key, decodeCapture(c)])).toEqual([
          ['ks_demo/2', capture],
        ]);
      }
      expect(diffProjectionRows(first, second, nobleSha256Hex)).toEqual([]);
    });
  });

  describe('when events arrive in append batches, as a ledger gives them to READ_MODELS', () => {
    it('ends with exactly the rows of a one-pass rebuild', () => {
      fc.assert(
        fc.property(historyArb, ({ drafts, batches }) => {
          const events = sealDrafts(drafts);
          const stored = new MemoryRows();
          let at = 0;
          for (const batch of batches) {
            const appended = events.slice(at, at + batch.length).filter((e) => PROJECTED_TYPES.has(e.type));
            if (appended.length > 0) READ_MODELS.project(stored, appended);
            at += batch.length;
          }
          expect(stored.rows()).toEqual(projectRows(events));
        }),
        { numRuns: 200 },
      );
    });
  });

  describe('when events go one at a time through a store that decodes every read', () => {
    it('ends with exactly the rows of a one-pass rebuild', () => {
      fc.assert(
        fc.property(historyArb, ({ drafts }) => {
          const events = sealDrafts(drafts);
          const store = new ColumnStore();
          for (const event of events) projectEvent(store, event);
          expect(store.rows()).toEqual(projectRows(events));
        }),
        { numRuns: 100 },
      );
    });
  });

  it('encodes and decodes every row without loss', () => {
    fc.assert(
      fc.property(historyArb, ({ drafts }) => {
        const rows = projectRows(sealDrafts(drafts));
        for (const c of rows.proj_runs.values()) expect(encodeRun(decodeRun(c))).toEqual(c);
        for (const c of rows.proj_versions.values()) expect(encodeVersion(decodeVersion(c))).toEqual(c);
        for (const c of rows.proj_captures.values()) expect(encodeCapture(decodeCapture(c))).toEqual(c);
      }),
      { numRuns: 100 },
    );
  });
});

describe('evolveRunRow', () => {
  const fold = (events: LedgerEvent[]) =>
    events.reduce<RunRow | undefined>((s, e) => evolveRunRow(s, e), undefined)!;

  it('closes the open stage on run.completed and takes its status', () => {
    const run = fold(
      sealDrafts([
        started('r1', 'ingest'),
        d('run.completed', 'r1', { status: 'succeeded' }),
        started('r1', 'validate'),
        d('validation.reported', 'r1', { passed: false, checks: [{ name: 'schema', passed: false }] }),
        d('run.completed', 'r1', { status: 'failed', error: { code: 'VALIDATION_FAILED', message: 'x' } }),
      ]),
    );
    expect(run).toMatchObject({ status: 'failed', stage: 'validate', first_seq: 1, last_seq: 5 });
    expect(run.stages.map((s) => [s.stage, s.status, s.started_seq, s.completed_seq])).toEqual([
      ['ingest', 'succeeded', 1, 2],
      ['validate', 'failed', 3, 5],
    ]);
    expect(run.stages[1]!.error).toEqual({ code: 'VALIDATION_FAILED', message: 'x' });
    expect(run.validation).toEqual({ passed: false, seq: 4 });
  });

  it('records a denial, then the version a later promotion published', () => {
    const [s, denied, p] = sealDrafts([
      started('r1', 'promote'),
      d('promotion.denied', 'r1', { reasons: [{ code: 'LICENSE_MISSING', message: 'm' }] }),
      published('r1', 'v0000000000000001', null),
    ]);
    expect(fold([s!, denied!]).denied).toEqual(['LICENSE_MISSING']);
    expect(fold([s!, denied!, p!])).toMatchObject({
      denied: null,
      version_id: 'v0000000000000001',
      reused: false,
      promotion_seq: 3,
    });
  });
});

describe('projectEvent', () => {
  it('writes nothing for event types that carry no lineage', () => {
    const store = new ColumnStore();
    const [note] = sealDrafts([d('x.test.note', 'r1', { text: 'hi' })]);
    expect(projectEvent(store, note!)).toBe(false);
    expect(store.getRun('ks_demo', 'r1')).toBeUndefined();
  });

  it('keeps the first publication of a version id (a republication is verify --deep’s finding)', () => {
    const events = sealDrafts([
      published('r1', 'v0000000000000001', null),
      published('r2', 'v0000000000000001', null),
    ]);
    const rows = projectRows(events);
    expect([...rows.proj_versions.values()].map((v) => [v.run_id, v.seq])).toEqual([['r1', 1]]);
  });

  it('skips, on every path alike, an event whose payload cannot be read', () => {
    const [good] = sealDrafts([started('r1', 'ingest')]);
    const broken = { ...good!, seq: 2, type: 'promotion.denied', payload: {} } as LedgerEvent;
    const store = new ColumnStore();
    projectEvent(store, good!);
    expect(projectEvent(store, broken)).toBe(false);
    expect(store.rows()).toEqual(projectRows([good!]));
  });
});

describe('projectRows on a known history', () => {
  const at = (seq: number) => `2026-01-01T00:00:${String(seq).padStart(2, '0')}.000Z`;
  const stage = (name: string, status: string, started: number, completed: number) => ({
    stage: name,
    status,
    spec_hash: H('a'),
    started_seq: started,
    started_at: at(started),
    completed_seq: completed,
    completed_at: at(completed),
    error: null,
  });
  const denial = { code: 'PROMOTION_DENIED', message: 'denied' };
  const interrupted = { code: 'INTERRUPTED', message: 'lock holder died' };
  const capture = (path: string, sha: string, bytes: number, seen?: boolean) =>
    d('raw.captured', 'r1', {
      capture_id: 'c1',
      path,
      sha256: H(sha),
      bytes,
      source_uri: `https://example.org/${path}`,
      ...(seen === undefined ? {} : { seen_before: seen }),
    });
  const events = sealDrafts([
    started('r1', 'ingest'), // 1
    capture('c1/a.csv', '1', 10, true),
    capture('c1/b.csv', '2', 20),
    d('run.completed', 'r1', { status: 'succeeded' }),
    started('r1', 'validate'), // 5
    d('validation.reported', 'r1', { passed: true, checks: [{ name: 'schema', passed: true }] }),
    d('run.completed', 'r1', { status: 'succeeded' }),
    started('r1', 'promote'),
    d('version.published', 'r1', {
      version_id: 'v0000000000000001',
      content_hash: H('c'),
      artifacts: [{ path: 'a.csv', sha256: H('1'), bytes: 10 }],
      supersedes: null,
      registry,
      bbox: [-1, -2.5, 3, 4],
    }),
    d('run.completed', 'r1', { status: 'succeeded' }), // 10
    d('run.started', 'r2', {
      stage: 'ingest',
      spec: {},
      spec_hash: H('a'),
      args: {},
      dry_run: false,
      parent_run_id: 'r0',
    }),
    d('run.completed', 'r2', { status: 'succeeded' }),
    started('r2', 'promote'),
    d('version.reused', 'r2', { version_id: 'v0000000000000001', content_hash: H('c'), registry }),
    d('run.completed', 'r2', { status: 'succeeded' }), // 15
    started('r3', 'promote'),
    d('promotion.denied', 'r3', {
      reasons: [
        { code: 'LICENSE_MISSING', message: 'm' },
        { code: 'CATALOG_INVALID', message: 'n' },
      ],
    }),
    d('run.completed', 'r3', { status: 'denied', error: denial }),
    d('run.completed', 'r4', { status: 'failed', error: interrupted }),
    started('r5', 'promote'), // 20
    d('version.published', 'r5', {
      version_id: 'v0000000000000002',
      content_hash: H('d'),
      artifacts: [{ path: 'a.csv', sha256: H('2'), bytes: 20 }],
      supersedes: 'v0000000000000001',
      registry,
    }),
    d('run.completed', 'r5', { status: 'succeeded' }),
    started('r6', 'transform'),
    d('validation.reported', 'r7', { passed: false, checks: [{ name: 'schema', passed: false }] }),
    d('x.test.note', 'r1', { text: 'projects nothing' }), // 25
  ]);
  const rows = projectRows(events);
  const run = (run_id: string, columns: Record<string, unknown>) => ({
    dataset_id: 'ks_demo',
    run_id,
    status: 'succeeded',
    stage: 'promote',
    captures: 0,
    validation_passed: null,
    validation_seq: null,
    version_id: null,
    reused: 0,
    promotion_seq: null,
    denied: null,
    parent_run_id: null,
    ...columns,
  });

  it('gives each run its stages, captures, validation, version and denial as stored columns', () => {
    expect(Object.fromEntries(rows.proj_runs)).toEqual({
      'ks_demo/r1': run('r1', {
        first_seq: 1,
        last_seq: 10,
        started_at: at(1),
        completed_at: at(10),
        stages: JSON.stringify([
          stage('ingest', 'succeeded', 1, 4),
          stage('validate', 'succeeded', 5, 7),
          stage('promote', 'succeeded', 8, 10),
        ]),
        captures: 2,
        validation_passed: 1,
        validation_seq: 6,
        version_id: 'v0000000000000001',
        promotion_seq: 9,
      }),
      'ks_demo/r2': run('r2', {
        first_seq: 11,
        last_seq: 15,
        started_at: at(11),
        completed_at: at(15),
        stages: JSON.stringify([stage('ingest', 'succeeded', 11, 12), stage('promote', 'succeeded', 13, 15)]),
        version_id: 'v0000000000000001',
        reused: 1,
        promotion_seq: 14,
        parent_run_id: 'r0',
      }),
      'ks_demo/r3': run('r3', {
        status: 'denied',
        first_seq: 16,
        last_seq: 18,
        started_at: at(16),
        completed_at: at(18),
        stages: JSON.stringify([{ ...stage('promote', 'denied', 16, 18), error: denial }]),
        denied: '["LICENSE_MISSING","CATALOG_INVALID"]',
      }),
      'ks_demo/r4': run('r4', {
        status: 'failed',
        stage: null,
        first_seq: 19,
        last_seq: 19,
        started_at: at(19),
        completed_at: at(19),
        stages: '[]',
      }),
      'ks_demo/r5': run('r5', {
        first_seq: 20,
        last_seq: 22,
        started_at: at(20),
        completed_at: at(22),
        stages: JSON.stringify([stage('promote', 'succeeded', 20, 22)]),
        version_id: 'v0000000000000002',
        promotion_seq: 21,
      }),
      'ks_demo/r6': run('r6', {
        status: 'running',
        stage: 'transform',
        first_seq: 23,
        last_seq: 23,
        started_at: at(23),
        completed_at: null,
        stages: JSON.stringify([
          { ...stage('transform', 'running', 23, 23), completed_seq: null, completed_at: null },
        ]),
      }),
      'ks_demo/r7': run('r7', {
        status: 'running',
        stage: null,
        first_seq: 24,
        last_seq: 24,
        started_at: at(24),
        completed_at: null,
        stages: '[]',
        validation_passed: 0,
        validation_seq: 24,
      }),
    });
  });

  it('gives each published version its artifacts and bbox as JSON text, null when there is none', () => {
    expect(Object.fromEntries(rows.proj_versions)).toEqual({
      'ks_demo/v0000000000000001': {
        dataset_id: 'ks_demo',
        version_id: 'v0000000000000001',
        content_hash: H('c'),
        run_id: 'r1',
        seq: 9,
        hash: events[8]!.hash,
        published_at: at(9),
        supersedes: null,
        artifacts: `[{"path":"a.csv","sha256":"${H('1')}","bytes":10}]`,
        bbox: '[-1,-2.5,3,4]',
      },
      'ks_demo/v0000000000000002': {
        dataset_id: 'ks_demo',
        version_id: 'v0000000000000002',
        content_hash: H('d'),
        run_id: 'r5',
        seq: 21,
        hash: events[20]!.hash,
        published_at: at(21),
        supersedes: 'v0000000000000001',
        artifacts: `[{"path":"a.csv","sha256":"${H('2')}","bytes":20}]`,
        bbox: null,
      },
    });
  });

  it('gives each capture a row keyed by its seq, seen_before as 1 or 0', () => {
    const row = (seq: number, path: string, sha: string, bytes: number, seen: number) => ({
      seq,
      dataset_id: 'ks_demo',
      run_id: 'r1',
      capture_id: 'c1',
      path,
      sha256: H(sha),
      bytes,
      source_uri: `https://example.org/${path}`,
      seen_before: seen,
      captured_at: at(seq),
      hash: events[seq - 1]!.hash,
    });
    expect(Object.fromEntries(rows.proj_captures)).toEqual({
      'ks_demo/2': row(2, 'c1/a.csv', '1', 10, 1),
      'ks_demo/3': row(3, 'c1/b.csv', '2', 20, 0),
    });
  });

  it('decodes the stored columns back into the rows the reducers work on', () => {
    const r3 = decodeRun(rows.proj_runs.get('ks_demo/r3')!);
    expect(r3.denied).toEqual(['LICENSE_MISSING', 'CATALOG_INVALID']);
    expect(r3.validation).toBeNull();
    expect(decodeRun(rows.proj_runs.get('ks_demo/r1')!).validation).toEqual({ passed: true, seq: 6 });
    expect(decodeVersion(rows.proj_versions.get('ks_demo/v0000000000000001')!).bbox).toEqual([
      -1, -2.5, 3, 4,
    ]);
    expect(decodeVersion(rows.proj_versions.get('ks_demo/v0000000000000002')!).bbox).toBeNull();
  });

  it('stores a field missing from a (tampered) payload as null, not as an absent column', () => {
    const [capture] = sealDrafts([d('x.test.note', 'r1', {})]);
    const tampered = {
      ...capture!,
      type: 'raw.captured',
      payload: { capture_id: 'c1', path: 'p' },
    } as LedgerEvent;
    const store = new ColumnStore();
    expect(projectEvent(store, tampered)).toBe(true);
    const [columns] = store.rows().proj_captures.values();
    expect(columns).toStrictEqual({
      seq: 1,
      dataset_id: 'ks_demo',
      run_id: 'r1',
      capture_id: 'c1',
      path: 'p',
      sha256: null,
      bytes: null,
      source_uri: null,
      seen_before: 0,
      captured_at: capture!.recorded_at,
      hash: capture!.hash,
    });
  });

  it('starts a run row, empty, from an event that changes no column (lineage folds any first event)', () => {
    const [written] = sealDrafts([
      d('work.artifact.written', 'r9', { path: 'runs/r9/a.csv', sha256: H('1'), bytes: 1, derived_from: [] }),
    ]);
    expect(encodeRun(evolveRunRow(undefined, written!))).toEqual(
      run('r9', {
        status: 'running',
        stage: null,
        first_seq: 1,
        last_seq: 1,
        started_at: at(1),
        completed_at: null,
        stages: '[]',
      }),
    );
  });

  it('leaves a closed stage as it was when its run is completed again', () => {
    const fold = (events: LedgerEvent[]) =>
      events.reduce<RunRow | undefined>((s, e) => evolveRunRow(s, e), undefined)!;
    const run = fold(
      sealDrafts([
        started('r1', 'ingest'),
        d('run.completed', 'r1', { status: 'succeeded' }),
        d('run.completed', 'r1', { status: 'failed', error: interrupted }),
      ]),
    );
    expect(run.stages).toEqual([
      {
        stage: 'ingest',
        status: 'succeeded',
        spec_hash: H('a'),
        started_seq: 1,
        started_at: '2026-01-01T00:00:01.000Z',
        completed_seq: 2,
        completed_at: '2026-01-01T00:00:02.000Z',
        error: null,
      },
    ]);
  });
});
