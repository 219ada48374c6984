import { describe, expect, it } from 'vitest';
import { MemoryLedger } from '../../../src/ledger/memory-ledger.js';
import { nobleEventHasher } from '../../../src/ledger/pure/event-hash.js';
import { decodeEvent, type LedgerEvent } from '../../../src/projections/ledger-event.js';
import { projectRawManifest, storedRawFiles } from '../../../src/projections/raw-manifest.js';
import { renderReceipt } from '../../../src/projections/render-receipt.js';
import { projectRunOutputs } from '../../../src/projections/run-outputs.js';
import { projectRunRecord } from '../../../src/projections/run-record.js';
import { projectValidationReport } from '../../../src/projections/validation-report.js';
import { canonicalPretty } from '../../support/canonical-pretty.js';

const H = (c: string) => c.repeat(64);
const ds = 'ks_demo';

function runEvents(): LedgerEvent[] {
  let t = Date.parse('2026-11-01T00:00:00Z');
  const ledger = new MemoryLedger({
    actor: { tool: 'kfm', tool_version: 'test' },
    hasher: nobleEventHasher,
    now: () => (t += 1000),
  });
  const e = (run_id: string, type: string, payload: Record<string, unknown>) => ({
    type,
    dataset_id: ds,
    run_id,
    payload,
  });
  ledger.appendEvents([
    e('r1', 'run.started', { stage: 'ingest', spec: {}, spec_hash: H('a'), args: {}, dry_run: false }),
    e('r1', 'raw.captured', {
      capture_id: 'r1',
      path: 'r1/a.csv',
      sha256: H('1'),
      bytes: 10,
      source_uri: 'file:///a.csv',
    }),
    e('r1', 'run.completed', { status: 'succeeded' }),
    e('r2', 'run.started', { stage: 'ingest', spec: {}, spec_hash: H('a'), args: {}, dry_run: false }),
    e('r2', 'raw.captured', {
      capture_id: 'r2',
      path: 'r1/a.csv',
      sha256: H('1'),
      bytes: 10,
      source_uri: 'file:///a.csv',
      seen_before: true,
    }),
    e('r2', 'raw.captured', {
      capture_id: 'r2',
      path: 'r2/b.csv',
      sha256: H('2'),
      bytes: 20,
      source_uri: 'file:///b.csv',
    }),
    e('r2', 'run.completed', { status: 'succeeded' }),
    e('r2', 'run.started', { stage: 'transform', spec: {}, spec_hash: H('b'), args: {}, dry_run: false }),
    e('r2', 'work.artifact.written', {
      path: 'runs/r2/artifacts/b.csv',
      sha256: H('3'),
      bytes: 5,
      derived_from: ['r2/b.csv'],
    }),
    e('r2', 'transform.applied', {
      name: 'generalize_geometry',
      params: { precision_deg: 0.1 },
      inputs: ['r2/b.csv'],
      outputs: ['runs/r2/artifacts/b.csv'],
      summary: { features_changed: 3 },
    }),
    e('r2', 'run.completed', { status: 'succeeded' }),
    e('r2', 'run.started', { stage: 'validate', spec: {}, spec_hash: H('c'), args: {}, dry_run: false }),
    e('r2', 'validation.reported', {
      passed: false,
      checks: [
        { name: 'schema', passed: false, message: '1 of 2 fail', details: { failed: 1 } },
        { name: 'crs', passed: true },
      ],
    }),
    e('r2', 'run.completed', {
      status: 'failed',
      error: { code: 'VALIDATION_FAILED', message: 'validation failed: schema' },
    }),
  ]);
  return [...ledger.readEvents()].map(decodeEvent);
}

describe('projectRunRecord', () => {
  const events = runEvents().filter((e) => e.run_id === 'r2');

  it('lists every stage with its status, times, spec hash and seq', () => {
    const record = projectRunRecord(events)!;
    expect(record.stages.map((s) => [s.stage, s.status, s.started_seq, s.completed_seq])).toEqual([
      ['ingest', 'succeeded', 4, 7],
      ['transform', 'succeeded', 8, 11],
      ['validate', 'failed', 12, 14],
    ]);
    expect(record.status).toBe('failed');
    expect(record.stages[2]?.error).toEqual({
      code: 'VALIDATION_FAILED',
      message: 'validation failed: schema',
    });
    expect(record.transforms.map((t) => t.name)).toEqual(['generalize_geometry']);
    expect(record.validation).toEqual({ passed: false, seq: 13, failed_checks: ['schema'] });
    expect(record.ledger).toMatchObject({ first_seq: 4, last_seq: 14, events: 11 });
  });

  it('renders the bytes written out by hand, from the events as read back from JSON too', () => {
    // The clock ticks one second per append from 2026-11-01T00:00:00Z: seq n is recorded at n s.
    const at = (seq: number) => `2026-11-01T00:00:${String(seq).padStart(2, '0')}.000Z`;
    const stage = (
      name: string,
      spec: string,
      seqs: [number, number],
      status: string,
      error: unknown = null,
    ) => ({
      stage: name,
      status,
      error,
      spec_hash: H(spec),
      args: {},
      actor: { tool: 'kfm', tool_version: 'test' },
      dry_run: false,
      parent_run_id: null,
      window: null,
      started_seq: seqs[0],
      started_at: at(seqs[0]),
      completed_seq: seqs[1],
      completed_at: at(seqs[1]),
    });
    const expected = {
      kind: 'kfm.run_record',
      dataset_id: ds,
      run_id: 'r2',
      status: 'failed',
      sources: [],
      captures: [
        {
          capture_id: 'r2',
          path: 'r1/a.csv',
          sha256: H('1'),
          bytes: 10,
          source_uri: 'file:///a.csv',
          seen_before: true,
        },
        { capture_id: 'r2', path: 'r2/b.csv', sha256: H('2'), bytes: 20, source_uri: 'file:///b.csv' },
      ],
      artifacts: [{ path: 'runs/r2/artifacts/b.csv', sha256: H('3'), bytes: 5, derived_from: ['r2/b.csv'] }],
      transforms: [
        {
          seq: 10,
          name: 'generalize_geometry',
          params: { precision_deg: 0.1 },
          inputs: ['r2/b.csv'],
          outputs: ['runs/r2/artifacts/b.csv'],
          summary: { features_changed: 3 },
        },
      ],
      validation: { passed: false, seq: 13, failed_checks: ['schema'] },
      stages: [
        stage('ingest', 'a', [4, 7], 'succeeded'),
        stage('transform', 'b', [8, 11], 'succeeded'),
        stage('validate', 'c', [12, 14], 'failed', {
          code: 'VALIDATION_FAILED',
          message: 'validation failed: schema',
        }),
      ],
      ledger: { first_seq: 4, last_seq: 14, events: 11, last_hash: events.at(-1)!.hash },
    };
    const replayed = JSON.parse(JSON.stringify(events)) as LedgerEvent[];
    for (const input of [events, replayed])
      expect(renderReceipt(projectRunRecord(input))).toBe(canonicalPretty(JSON.stringify(expected)));
  });
});

describe('projectValidationReport', () => {
  it('summarises the latest validation of the run, anchored to its event', () => {
    const report = projectValidationReport(runEvents().filter((e) => e.run_id === 'r2'))!;
    expect(report.summary).toEqual({ checks: 2, passed: 1, failed: 1 });
    expect(report.ledger.seq).toBe(13);
    expect(projectValidationReport(runEvents().filter((e) => e.run_id === 'r1'))).toBeNull();
  });
});

describe('projectRawManifest', () => {
  it('lists every capture and stores content seen again only once in the checksums', () => {
    const manifest = projectRawManifest(ds, runEvents());
    expect(manifest.captures.map((c) => [c.capture_id, c.files.length])).toEqual([
      ['r1', 1],
      ['r2', 2],
    ]);
    expect(storedRawFiles(manifest).map((f) => f.path)).toEqual(['r1/a.csv', 'r2/b.csv']);
  });
});

describe('projectRunOutputs', () => {
  it('prefers work artifacts over raw captures, sorted by path', () => {
    const events = runEvents();
    expect(projectRunOutputs(events.filter((e) => e.run_id === 'r2'))).toEqual([
      { zone: 'work', path: 'runs/r2/artifacts/b.csv', sha256: H('3'), bytes: 5 },
    ]);
    expect(projectRunOutputs(events.filter((e) => e.run_id === 'r1'))).toEqual([
      { zone: 'raw', path: 'r1/a.csv', sha256: H('1'), bytes: 10 },
    ]);
  });
});

describe('renderReceipt', () => {
  it('sorts keys at every depth, indents by two and ends with a newline', () => {
    expect(renderReceipt({ b: 1, a: { d: [{ z: 1, y: 2 }], c: undefined } })).toBe(
      '{\n  "a": {\n    "d": [\n      {\n        "y": 2,\n        "z": 1\n      }\n    ]\n  },\n  "b": 1\n}\n',
    );
  });
});
