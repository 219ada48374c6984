/**
 * The shape of validation_report.json (schemas/validation_report/v1.json is generated from it). Apart
 * from its projection (validation-report.ts), which imports only its type: a reader rendering PROV
 * needs the report's bytes, not zod.
 */
import { z } from 'zod';
import { DatasetId, PAYLOADS, RunId, Sha256Hex, Timestamp } from '../events/index.js';
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
