import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkReplayInvariants } from '../../../src/audit/replay-invariants.js';
import { nobleSha256Hex } from '../../../src/ledger/pure/event-hash.js';
import type { AuditFailure } from '../../../src/projections/audit-failure.js';
import {
  checkHistory,
  DatasetHistories,
  HistoryChecker,
} from '../../../src/projections/history-invariants.js';
import type { LedgerEvent } from '../../../src/projections/ledger-event.js';
import {
  AUDIT_DS,
  artifact,
  publishedPayload,
  type RunDraft,
  reusedPayload,
  stage,
} from '../../support/audit-history.js';
import { H, ledgerEvents } from '../../support/ledger-events.js';
import { forgery, historyPlan, honestHistory, insertForgery } from '../../support/run-histories.js';

const events = (...drafts: RunDraft[][]) => ledgerEvents(AUDIT_DS, drafts.flat());
const findings = (failures: readonly AuditFailure[]) => failures.map(({ seq, code }) => ({ seq, code }));
const seqOf = (list: LedgerEvent[], type: string) => list.filter((e) => e.type === type).at(-1)!.seq;

const captured = (run: string, c: string): [string, Record<string, unknown>] => [
  'raw.captured',
  { capture_id: run, path: `${run}/a.csv`, sha256: H(c), bytes: 10, source_uri: 'file:///a.csv' },
];
const written = (run: string, c: string): [string, Record<string, unknown>] => [
  'work.artifact.written',
  { path: `runs/${run}/artifacts/a.csv`, sha256: H(c), bytes: 10, derived_from: [] },
];
/** A validation as the runtime records it; `outputs: undefined` is the shape of kfm before issue 10. */
const validated = (
  passed: boolean,
  outputs: { path: string; sha256: string }[] | undefined,
  checks = [{ name: 'rows', passed }],
): [string, Record<string, unknown>] => [
  'validation.reported',
  { passed, checks, ...(outputs === undefined ? {} : { outputs }) },
];
const rawOut = (run: string, c: string) => [{ path: `${run}/a.csv`, sha256: H(c) }];
const workOut = (run: string, c: string) => [{ path: `runs/${run}/artifacts/a.csv`, sha256: H(c) }];
const versionOf = (c: string) => publishedPayload([artifact('a.csv', c)]);

/** ingest (capturing content `c`) → validate (naming the capture) → promote publishing content `v`. */
function rawRun(run: string, c: string, v = c): RunDraft[] {
  return [
    ...stage(run, 'ingest', captured(run, c)),
    ...stage(run, 'validate', validated(true, rawOut(run, c))),
    ...stage(run, 'promote', ['version.published', versionOf(v)]),
  ];
}

describe('checkHistory', () => {
  describe('when the history is what the stage runtime writes', () => {
    it('finds nothing: ingest, transform, validate, publish, reuse, extension facts anywhere', () => {
      const list = events(
        [['r1', 'x.site.note', { before: 'any stage' }]],
        stage(
          'r1',
          'ingest',
          ['source.discovered', { source_uri: 'file:///a.csv', capabilities: {} }],
          captured('r1', '1'),
          ['raw.manifest.written', { path: 'manifest.yml', sha256: H('b') }],
        ),
        stage('r1', 'transform', written('r1', '2'), [
          'transform.applied',
          { name: 'generalize', params: {}, inputs: [], outputs: [], summary: {} },
        ]),
        stage('r1', 'validate', validated(true, workOut('r1', '2'))),
        stage(
          'r1',
          'promote',
          ['version.published', versionOf('2')],
          ['catalog.emitted', { kind: 'dcat', path: 'dcat/data.json', sha256: H('c') }],
        ),
        [['r1', 'x.site.note', { after: 'the run' }]],
        stage('r2', 'ingest', captured('r2', '2')),
        stage('r2', 'validate', validated(true, rawOut('r2', '2'))),
        stage('r2', 'promote', ['version.reused', reusedPayload(versionOf('2'))]),
      );
      expect(checkHistory(list)).toEqual([]);
    });

    it('accepts validations without outputs (kfm before issue 10): their outputs follow from the events', () => {
      const list = events(
        stage('r1', 'ingest', captured('r1', '1')),
        stage('r1', 'validate', validated(true, undefined)),
        stage('r1', 'promote', ['version.published', versionOf('1')]),
      );
      expect(checkHistory(list)).toEqual([]);
    });
  });

  describe('when a core event lies outside a stage of its run', () => {
    it('reports EVENT_OUTSIDE_STAGE for an event after the run completed', () => {
      const list = events(rawRun('r1', '1'), [
        ['r1', 'source.discovered', { source_uri: 'x', capabilities: {} }],
      ]);
      expect(findings(checkHistory(list))).toEqual([{ seq: list.length, code: 'EVENT_OUTSIDE_STAGE' }]);
    });

    it('reports EVENT_OUTSIDE_STAGE for a run that never started', () => {
      const list = events([['r9', ...captured('r9', '1')]]);
      expect(findings(checkHistory(list))).toEqual([{ seq: 1, code: 'EVENT_OUTSIDE_STAGE' }]);
    });

    it('reports EVENT_OUTSIDE_STAGE for a type the open stage never records', () => {
      const list = events(
        stage('r1', 'ingest', captured('r1', '1')),
        stage('r1', 'transform', validated(true, rawOut('r1', '1'))),
      );
      expect(findings(checkHistory(list))).toEqual([
        { seq: seqOf(list, 'validation.reported'), code: 'EVENT_OUTSIDE_STAGE' },
      ]);
    });

    it('does not count a stage of another run, nor of another dataset', () => {
      const list = events([
        ['r1', 'run.started', { stage: 'ingest', spec: {}, spec_hash: H('a'), args: {}, dry_run: false }],
        ['r2', ...captured('r2', '1')],
      ]);
      const other = { ...list[0]!, dataset_id: 'other_ds' };
      expect(findings(checkHistory([other, list[1]!]))).toEqual([{ seq: 2, code: 'EVENT_OUTSIDE_STAGE' }]);
      expect(findings(checkHistory(list))).toEqual([{ seq: 2, code: 'EVENT_OUTSIDE_STAGE' }]);
    });
  });

  describe('when a validation contradicts itself or the run', () => {
    it.each([
      ['passed while a check failed', validated(true, rawOut('r1', '1'), [{ name: 'rows', passed: false }])],
      [
        'failed while every check passed',
        validated(false, rawOut('r1', '1'), [{ name: 'rows', passed: true }]),
      ],
      ['naming another sha256 than the run captured', validated(true, rawOut('r1', '9'))],
      ['naming no outputs while the run has one', validated(true, [])],
    ])('reports VALIDATION_INCONSISTENT: %s', (_, validation) => {
      const list = events(stage('r1', 'ingest', captured('r1', '1')), stage('r1', 'validate', validation));
      expect(findings(checkHistory(list))).toEqual([
        { seq: seqOf(list, 'validation.reported'), code: 'VALIDATION_INCONSISTENT' },
      ]);
    });

    it('reports VALIDATION_INCONSISTENT for the old shape after validations that named their outputs', () => {
      const list = events(
        stage('r1', 'ingest', captured('r1', '1')),
        stage('r1', 'validate', validated(true, rawOut('r1', '1'))),
        stage('r1', 'validate', validated(true, undefined)),
      );
      expect(findings(checkHistory(list))).toEqual([
        { seq: seqOf(list, 'validation.reported'), code: 'VALIDATION_INCONSISTENT' },
      ]);
    });
  });

  describe('when a version is not the content its validation passed over', () => {
    it('reports VERSION_CONTENT_UNVALIDATED for published artifacts of other sha256s', () => {
      const list = events(rawRun('r1', '1', '2'));
      expect(findings(checkHistory(list))).toEqual([
        { seq: seqOf(list, 'version.published'), code: 'VERSION_CONTENT_UNVALIDATED' },
      ]);
    });

    it('reports VERSION_CONTENT_UNVALIDATED for a reuse of a version with other content', () => {
      const list = events(
        rawRun('r1', '1'),
        stage('r2', 'ingest', captured('r2', '2')),
        stage('r2', 'validate', validated(true, rawOut('r2', '2'))),
        stage('r2', 'promote', ['version.reused', reusedPayload(versionOf('1'))]),
      );
      expect(findings(checkHistory(list))).toEqual([
        { seq: seqOf(list, 'version.reused'), code: 'VERSION_CONTENT_UNVALIDATED' },
      ]);
    });

    it('checks old-shape validations against the outputs their run recorded', () => {
      const list = events(
        stage('r1', 'ingest', captured('r1', '1')),
        stage('r1', 'transform', written('r1', '2')),
        stage('r1', 'validate', validated(true, undefined)),
        stage('r1', 'promote', ['version.published', versionOf('1')]),
      );
      expect(findings(checkHistory(list))).toEqual([
        { seq: seqOf(list, 'version.published'), code: 'VERSION_CONTENT_UNVALIDATED' },
      ]);
    });

    it('leaves a version without a passed, current validation to VERSION_UNVALIDATED', () => {
      const list = events(
        stage('r1', 'ingest', captured('r1', '1')),
        stage('r1', 'validate', validated(true, rawOut('r1', '1'))),
        stage('r1', 'transform', written('r1', '2')),
        stage('r1', 'promote', ['version.published', versionOf('2')]),
      );
      expect(checkHistory(list)).toEqual([]);
      expect(findings(checkReplayInvariants(list, nobleSha256Hex))).toEqual([
        { seq: seqOf(list, 'version.published'), code: 'VERSION_UNVALIDATED' },
      ]);
    });
  });

  it('keeps at most maxFailures findings and counts the rest', () => {
    const list = events(Array.from({ length: 5 }, (): RunDraft => ['r1', ...captured('r1', '1')]));
    const checker = new HistoryChecker(2);
    for (const e of list) checker.push(e);
    expect(checker.finish()).toHaveLength(2);
    expect(checker.omitted).toBe(3);
  });
});

describe('DatasetHistories', () => {
  it('checks each dataset once, however often its events are read, and keeps findings across datasets', () => {
    const forged = events([['r1', ...captured('r1', '1')]]);
    const histories = new DatasetHistories();
    expect(histories.check('a', forged)).toBe(forged);
    histories.check('a', forged);
    histories.check('b', forged);
    expect(findings(histories.failures)).toEqual([
      { seq: 1, code: 'EVENT_OUTSIDE_STAGE' },
      { seq: 1, code: 'EVENT_OUTSIDE_STAGE' },
    ]);
  });
});

/**
 * The oracle of the property below, written from the runtime (src/contract/stages/*) rather than
 * from the checker: the core types each stage records besides run.started and run.completed.
 */
const RUNTIME_RECORDS: Record<string, string[]> = {
  ingest: ['source.discovered', 'raw.captured', 'raw.manifest.written'],
  backfill: ['raw.manifest.written', 'backfill.window.completed'],
  transform: ['work.artifact.written', 'transform.applied'],
  validate: ['validation.reported'],
  promote: ['promotion.denied', 'version.published', 'version.reused', 'catalog.emitted'],
};

/** The stage of `run` open just before `index`, or null. */
function openStage(drafts: RunDraft[], index: number, run: string): string | null {
  let open: string | null = null;
  for (const [id, type, payload] of drafts.slice(0, index)) {
    if (id !== run) continue;
    if (type === 'run.started') open = payload.stage as string;
    else if (type === 'run.completed') open = null;
  }
  return open;
}

/** What the two invariant checkers (replay and history) must report at a forged event's seq. */
function expectedAt(type: string, open: string | null): string[] | null {
  if (type === 'run.started') return open === null ? ['RUN_UNFINISHED'] : null;
  if (type === 'run.completed')
    return open === null ? ['RUN_COMPLETED_TWICE', 'RUN_COMPLETED_WITHOUT_START'] : null;
  return open !== null && RUNTIME_RECORDS[open]!.includes(type) ? null : ['EVENT_OUTSIDE_STAGE'];
}

const allFindings = (list: LedgerEvent[]) => [
  ...checkReplayInvariants(list, nobleSha256Hex),
  ...checkHistory(list),
];

describe('the invariants over random histories (property)', () => {
  it('find nothing in any history the runtime writes, and catch every forged core event outside its stage', () => {
    fc.assert(
      fc.property(historyPlan, forgery, (plan, forged) => {
        const honest = honestHistory(plan);
        expect(allFindings(ledgerEvents(AUDIT_DS, honest))).toEqual([]);

        const { drafts, index } = insertForgery(honest, forged);
        const [run, type] = drafts[index]!;
        const expected = expectedAt(type, openStage(drafts, index, run));
        fc.pre(expected !== null);
        const codes = allFindings(ledgerEvents(AUDIT_DS, drafts))
          .filter((f) => f.seq === index + 1)
          .map((f) => f.code);
        expect(codes.some((code) => expected!.includes(code))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
