import { describe, expect, it } from 'vitest';
import { runClosedError, runClosure } from '../../../src/contract/run-closed.js';
import {
  AUDIT_DS,
  artifact,
  denied,
  publishedPayload,
  type RunDraft,
  reusedPayload,
  stage,
  validation,
} from '../../support/audit-history.js';
import { ledgerEvents, started } from '../../support/ledger-events.js';

// Which runs are closed: a promote that completed (published, reused or denied) closes its run;
// every other stage, and a promote that failed, leaves it open.

const version = publishedPayload([artifact('a.csv', '1')]);
const closureOf = (...drafts: RunDraft[][]) => runClosure(ledgerEvents(AUDIT_DS, drafts.flat()));
const failedPromote: RunDraft[] = [
  ['r1', 'run.started', started('promote')],
  ['r1', 'run.completed', { status: 'failed', error: { code: 'INTERRUPTED', message: 'killed' } }],
];
const deniedPromote: RunDraft[] = [
  ['r1', 'run.started', started('promote')],
  ['r1', ...denied],
  ['r1', 'run.completed', { status: 'denied' }],
];

describe('runClosure', () => {
  it('is null while no promote completed: failed validations and failed promotes leave the run open', () => {
    expect(closureOf(stage('r1', 'ingest'), stage('r1', 'validate', validation(false)))).toBeNull();
    expect(closureOf(stage('r1', 'validate', validation(true)), failedPromote)).toBeNull();
  });

  it('names the closing promote: outcome, the seq of its run.completed, the version', () => {
    const closure = closureOf(stage('r1', 'ingest'), stage('r1', 'promote', ['version.published', version]));
    expect(closure).toMatchObject({ outcome: 'published', seq: 5, version_id: version.version_id });
    expect(closureOf(stage('r1', 'promote', ['version.reused', reusedPayload(version)]))).toMatchObject({
      outcome: 'reused',
      seq: 3,
      version_id: version.version_id,
    });
  });

  it('closes the run on a denial too, and on a promote that completed after a failed one', () => {
    expect(closureOf(deniedPromote)).toMatchObject({ outcome: 'denied', seq: 3, version_id: null });
    expect(closureOf(failedPromote, stage('r1', 'promote', ['version.published', version]))).toMatchObject({
      outcome: 'published',
      seq: 5,
    });
  });
});

describe('runClosedError', () => {
  it('is RUN_CLOSED (exit 2) naming the run, the outcome, the seq and a new run as the fix', () => {
    const error = runClosedError('ds_x', 'r1', 'validate', {
      outcome: 'reused',
      seq: 42,
      recorded_at: '2026-11-01T00:00:01.000Z',
      version_id: 'v0123456789abcdef',
    });
    expect(error.code).toBe('RUN_CLOSED');
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe(
      'run r1 of ds_x is closed: its promote reused version v0123456789abcdef at seq 42 (2026-11-01T00:00:01.000Z), so no validate may follow; start a new run: `kfm ingest ds_x` (omit --run_id or give a new one)',
    );
  });
});
