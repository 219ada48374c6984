import { z } from 'zod';
import { DatasetId, PAYLOADS, RunId, Sha256Hex, Timestamp } from '../events/index.js';
import { isType, type LedgerEvent } from './ledger-event.js';
import { Count, Seq } from './receipt-fields.js';

const reported = PAYLOADS['validation.reported'].shape;

/** validation_report.json: the run's latest validation.reported, with counts and its ledger event. */
export const ValidationReport = z.strictObject({
  kind: z.literal('kfm.validation_report'),
  dataset_id: DatasetId,
  run_id: RunId,
  passed: reported.passed,
  checks: reported.checks,
  /** The outputs validated, by sha256; absent in a receipt of a validation kfm recorded before issue 10. */
  outputs: reported.outputs,
  /** The outputs' data profile (README "Profiles"); absent in a receipt of kfm before issue 17. */
  profile: reported.profile,
  summary: z.strictObject({ checks: Count, passed: Count, failed: Count }),
  reported_at: Timestamp,
  ledger: z.strictObject({ seq: Seq, hash: Sha256Hex }),
});
export type ValidationReport = z.infer<typeof ValidationReport>;

/** The run's latest `validation.reported`, as the validation_report receipt; null if none yet. */
export function projectValidationReport(events: Iterable<LedgerEvent>): ValidationReport | null {
  let report: ValidationReport | null = null;
  for (const event of events) {
    if (!isType(event, 'validation.reported')) continue;
    const failed = event.payload.checks.filter((c) => !c.passed).length;
    report = {
      kind: 'kfm.validation_report',
      dataset_id: event.dataset_id,
      run_id: event.run_id,
      passed: event.payload.passed,
      checks: event.payload.checks,
      ...(event.payload.outputs === undefined ? {} : { outputs: event.payload.outputs }),
      ...(event.payload.profile === undefined ? {} : { profile: event.payload.profile }),
      summary: { checks: event.payload.checks.length, passed: event.payload.checks.length - failed, failed },
      reported_at: event.recorded_at,
      ledger: { seq: event.seq, hash: event.hash },
    };
  }
  return report;
}
