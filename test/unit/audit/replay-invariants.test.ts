import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkReplayInvariants, InvariantChecker } from '../../../src/audit/replay-invariants.js';
import { nobleSha256Hex } from '../../../src/ledger/pure/event-hash.js';
import type { AuditFailure } from '../../../src/projections/audit-failure.js';
import type { LedgerEvent } from '../../../src/projections/ledger-event.js';
import {
  AUDIT_DS,
  artifact,
  denied,
  promotedRun,
  publishedPayload,
  type RunDraft,
  reusedPayload,
  stage,
  validation,
  workWritten,
} from '../../support/audit-history.js';
import { ledgerEvents, started } from '../../support/ledger-events.js';

const events = (...drafts: RunDraft[][]) => ledgerEvents(AUDIT_DS, drafts.flat());
const check = (list: LedgerEvent[]) => checkReplayInvariants(list, nobleSha256Hex);
const findings = (failures: AuditFailure[]) => failures.map(({ seq, code }) => ({ seq, code }));
/** The seq of the last event of `type` (the one each case tampers with). */
const seqOf = (list: LedgerEvent[], type: string) => list.filter((e) => e.type === type).at(-1)!.seq;

const v1 = publishedPayload([artifact('a.csv', '1')]);
const v2 = publishedPayload([artifact('a.csv', '2')], { supersedes: v1.version_id });

describe('checkReplayInvariants', () => {
  describe('when the history is what promotions write', () => {
    it('finds nothing: publish, reuse identical content, publish a successor, a denied then passed gate', () => {
      const list = events(
        promotedRun('r1', 'version.published', v1),
        promotedRun('r2', 'version.reused', reusedPayload(v1)),
        stage('r3', 'validate', validation(true)),
        stage('r3', 'promote', denied),
        stage('r3', 'promote', ['version.published', v2]),
      );
      expect(check(list)).toEqual([]);
    });

    it('gives the same findings pushed one by one as checked in one go (streaming)', () => {
      const list = events(promotedRun('r1', 'version.published', v1), stage('r2', 'promote', denied));
      const checker = new InvariantChecker(nobleSha256Hex);
      for (const e of list) checker.push(e);
      expect(checker.finish()).toEqual(check(list));
    });
  });

  describe('when a version id is published again with other content', () => {
    it('reports VERSION_REPUBLISHED at the second publication, even with a self-consistent hash', () => {
      const other = publishedPayload([artifact('a.csv', '3')], { version_id: v1.version_id });
      const list = events(
        promotedRun('r1', 'version.published', v1),
        promotedRun('r2', 'version.published', other),
      );
      const seq = seqOf(list, 'version.published');
      expect(findings(check(list))).toContainEqual({ seq, code: 'VERSION_REPUBLISHED' });
    });

    it('reports VERSION_REPUBLISHED when only the artifacts differ (content_hash copied)', () => {
      const other = { ...v1, artifacts: [artifact('a.csv', '4')] };
      const list = events(
        promotedRun('r1', 'version.published', v1),
        promotedRun('r2', 'version.published', other),
      );
      const seq = seqOf(list, 'version.published');
      expect(findings(check(list))).toEqual([
        { seq, code: 'VERSION_HASH_MISMATCH' },
        { seq, code: 'VERSION_REPUBLISHED' },
      ]);
    });

    it('does not report an identical publication as republished', () => {
      const list = events(
        promotedRun('r1', 'version.published', v1),
        promotedRun('r2', 'version.published', v1),
      );
      expect(check(list)).toEqual([]);
    });
  });

  describe('when content_hash does not follow from the artifacts', () => {
    it('reports VERSION_HASH_MISMATCH for a content_hash that is not the hash of the artifacts', () => {
      const forged = { ...v1, content_hash: 'f'.repeat(64) };
      const list = events(promotedRun('r1', 'version.published', forged));
      expect(findings(check(list))).toEqual([
        { seq: seqOf(list, 'version.published'), code: 'VERSION_HASH_MISMATCH' },
      ]);
    });

    it('reports VERSION_HASH_MISMATCH for a version_id that is not derived from the content hash', () => {
      const list = events(promotedRun('r1', 'version.published', { ...v1, version_id: 'v0000000000000000' }));
      expect(findings(check(list))).toEqual([
        { seq: seqOf(list, 'version.published'), code: 'VERSION_HASH_MISMATCH' },
      ]);
    });
  });

  describe('when the gate could not have passed', () => {
    it('reports VERSION_UNVALIDATED for a run never validated', () => {
      const list = events(stage('r1', 'promote', ['version.published', v1]));
      expect(findings(check(list))).toEqual([{ seq: 2, code: 'VERSION_UNVALIDATED' }]);
    });

    it('reports VERSION_UNVALIDATED when the latest validation failed', () => {
      const list = events(
        stage('r1', 'validate', validation(true)),
        stage('r1', 'validate', validation(false)),
        stage('r1', 'promote', ['version.published', v1]),
      );
      expect(findings(check(list))).toEqual([{ seq: 8, code: 'VERSION_UNVALIDATED' }]);
    });

    it('reports VERSION_UNVALIDATED when outputs changed after the validation', () => {
      const list = events(
        stage('r1', 'validate', validation(true)),
        stage('r1', 'transform', workWritten('runs/r1/artifacts/a.csv')),
        stage('r1', 'promote', ['version.reused', reusedPayload(v1)]),
      );
      const seq = seqOf(list, 'version.reused');
      expect(findings(check(list))).toContainEqual({ seq, code: 'VERSION_UNVALIDATED' });
    });

    it('does not count a validation of another run', () => {
      const list = events(
        stage('r1', 'validate', validation(true)),
        stage('r2', 'promote', ['version.published', v1]),
      );
      expect(findings(check(list))).toEqual([{ seq: 5, code: 'VERSION_UNVALIDATED' }]);
    });

    it('reports VERSION_AFTER_DENIAL for a version in the promote stage whose gate was denied', () => {
      const list = events(
        stage('r1', 'validate', validation(true)),
        stage('r1', 'promote', denied, ['version.published', v1]),
      );
      expect(findings(check(list))).toEqual([{ seq: 6, code: 'VERSION_AFTER_DENIAL' }]);
    });

    it('reports VERSION_AFTER_DENIAL at the version when the denial follows it in the same stage', () => {
      const list = events(
        stage('r1', 'validate', validation(true)),
        stage('r1', 'promote', ['version.published', v1], denied),
      );
      expect(findings(check(list))).toEqual([{ seq: 5, code: 'VERSION_AFTER_DENIAL' }]);
    });
  });

  describe('when version.reused does not name identical published content', () => {
    it('reports VERSION_REUSE_MISMATCH for a version never published', () => {
      const list = events(promotedRun('r1', 'version.reused', reusedPayload(v1)));
      expect(findings(check(list))).toEqual([
        { seq: seqOf(list, 'version.reused'), code: 'VERSION_REUSE_MISMATCH' },
      ]);
    });

    it('reports VERSION_REUSE_MISMATCH for other content under a published version id', () => {
      const reused = { ...reusedPayload(v1), content_hash: v2.content_hash };
      const list = events(
        promotedRun('r1', 'version.published', v1),
        promotedRun('r2', 'version.reused', reused),
      );
      expect(findings(check(list))).toEqual([
        { seq: seqOf(list, 'version.reused'), code: 'VERSION_REUSE_MISMATCH' },
      ]);
    });
  });

  describe('when a run does not end with exactly one run.completed', () => {
    it('reports RUN_UNFINISHED at a stage started again before it completed', () => {
      const list = events([['r1', 'run.started', started('ingest')]], stage('r1', 'ingest'));
      expect(findings(check(list))).toEqual([{ seq: 1, code: 'RUN_UNFINISHED' }]);
    });

    it('reports RUN_UNFINISHED at a stage still open when the ledger ends', () => {
      const list = events(stage('r1', 'ingest'), [['r1', 'run.started', started('transform')]]);
      expect(findings(check(list))).toEqual([{ seq: 3, code: 'RUN_UNFINISHED' }]);
    });

    it('reports RUN_COMPLETED_TWICE at the second run.completed', () => {
      const list = events(stage('r1', 'ingest'), [['r1', 'run.completed', { status: 'failed' }]]);
      expect(findings(check(list))).toEqual([{ seq: 3, code: 'RUN_COMPLETED_TWICE' }]);
    });

    it('reports RUN_COMPLETED_WITHOUT_START for a run that never started', () => {
      const list = events(stage('r1', 'ingest'), [['r2', 'run.completed', { status: 'succeeded' }]]);
      expect(findings(check(list))).toEqual([{ seq: 3, code: 'RUN_COMPLETED_WITHOUT_START' }]);
    });
  });

  it('keeps at most maxFailures findings and counts the rest', () => {
    const list = events(...Array.from({ length: 5 }, () => stage('r1', 'ingest').slice(1)));
    const checker = new InvariantChecker(nobleSha256Hex, 2);
    for (const e of list) checker.push(e);
    expect(checker.finish()).toHaveLength(2);
    expect(checker.omitted).toBe(3);
  });

  it('finds nothing in any history of well-formed promotions, and catches any republication in it', () => {
    const contents = fc.array(fc.constantFrom('1', '2', '3'), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(contents, fc.nat(), (chars, pick) => {
        // Each run promotes the content named by its char: the first time published, then reused.
        const seen = new Map<string, ReturnType<typeof publishedPayload>>();
        const drafts = chars.map((c, i) => {
          const known = seen.get(c);
          if (known !== undefined) return promotedRun(`r${i}`, 'version.reused', reusedPayload(known));
          const payload = publishedPayload([artifact('a.csv', c)]);
          seen.set(c, payload);
          return promotedRun(`r${i}`, 'version.published', payload);
        });
        expect(check(events(...drafts))).toEqual([]);
        const victim = [...seen.values()][pick % seen.size]!;
        const forged = { ...victim, artifacts: [artifact('a.csv', 'e')] };
        const tampered = events(...drafts, stage('rx', 'promote', ['version.published', forged]));
        const seq = seqOf(tampered, 'version.published');
        expect(findings(check(tampered))).toContainEqual({ seq, code: 'VERSION_REPUBLISHED' });
      }),
      { numRuns: 50 },
    );
  });
});
