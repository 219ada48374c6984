import { isType, type LedgerEvent } from './ledger-event.js';
import type { ValidationReport } from './validation-report-schema.js';

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
