/**
 * Findings of `kfm verify --deep` beyond the hash chain. Codes are stable (README, "What
 * `kfm verify --deep` checks"): auditors and scripts act on the code, messages are for people.
 */
/** History the stage runtime cannot have written (history-invariants.ts); the gate denies with them too. */
export type HistoryCode = 'EVENT_OUTSIDE_STAGE' | 'VALIDATION_INCONSISTENT' | 'VERSION_CONTENT_UNVALIDATED';

export type InvariantCode =
  | HistoryCode
  | 'VERSION_REPUBLISHED'
  | 'VERSION_HASH_MISMATCH'
  | 'VERSION_UNVALIDATED'
  | 'VERSION_AFTER_DENIAL'
  | 'VERSION_REUSE_MISMATCH'
  | 'RUN_UNFINISHED'
  | 'RUN_COMPLETED_TWICE'
  | 'RUN_COMPLETED_WITHOUT_START';

/**
 * The file findings of `verify --deep` as data: test/integration/promises-verify-deep.test.ts makes
 * `kfm verify --deep` report each on a tampered root, so a code added here without a case fails there.
 */
export const FILE_CODES = [
  'RAW_FILE_MISMATCH',
  'RAW_FILE_MISSING',
  'RAW_FILE_UNEXPECTED',
  'PROCESSED_FILE_MISMATCH',
  'PROCESSED_FILE_MISSING',
  'PROCESSED_FILE_UNEXPECTED',
  'PROCESSED_VERSION_UNRECORDED',
  'PROJECTION_DRIFT',
  'PROJECTION_UNREPLAYABLE',
  'PROJECTION_ROW_DRIFT',
  'CATALOG_FILE_UNEXPECTED',
  'TEMP_FILE_LEFT',
  'RECEIPT_SCHEMA_INVALID',
] as const;

export type FileCode = (typeof FILE_CODES)[number];

export type AuditCode = InvariantCode | FileCode;

/**
 * One finding. `seq` names the event that records (or contradicts) the fact, `path` the file
 * relative to the root; a file finding carries both when one event recorded the file.
 */
export interface AuditFailure {
  seq?: number;
  path?: string;
  code: AuditCode;
  message: string;
  /** PROJECTION_ROW_DRIFT: the projection table and the row's key (as `kfm replay --check` names them). */
  table?: string;
  key?: string;
  /**
   * PROJECTION_DRIFT: sha256 of the replayed bytes and of the file on disk (null: missing);
   * PROJECTION_ROW_DRIFT: of the replayed and the stored row (null: no such row).
   */
  expected_sha256?: string | null;
  found_sha256?: string | null;
  /** RECEIPT_SCHEMA_INVALID: the `$id` of the schema and the first failing field (dotted, '' for the whole). */
  schema?: string;
  field?: string;
}
