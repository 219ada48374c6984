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
