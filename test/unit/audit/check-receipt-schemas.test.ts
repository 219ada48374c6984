import { describe, expect, it } from 'vitest';
import {
  checkReceiptDocument,
  checkReceiptSchema,
  receiptSchemaOf,
} from '../../../src/audit/check-receipt-schemas.js';
import { renderReceipt } from '../../../src/projections/render-receipt.js';
import { projectValidationReport } from '../../../src/projections/validation-report.js';
import { AUDIT_DS, stage, validation } from '../../support/audit-history.js';
import { ledgerEvents } from '../../support/ledger-events.js';

const PATH = 'data/work/ds_audit/runs/r1/validation_report.json';
const report = projectValidationReport(ledgerEvents(AUDIT_DS, stage('r1', 'validate', validation(true))))!;
const ID = 'https://kfm.local/schemas/validation_report/v1.json';

describe('receiptSchemaOf', () => {
  it('names the schema of each receipt by its file name and zone, and of nothing else', () => {
    expect(receiptSchemaOf({ zone: 'work', path: 'ds/runs/r1/run_record.json' })).toBe('run_record');
    expect(receiptSchemaOf({ zone: 'work', path: 'ds/runs/r1/validation_report.json' })).toBe(
      'validation_report',
    );
    expect(receiptSchemaOf({ zone: 'work', path: 'ds/runs/r1/run_manifest.json' })).toBe('run_manifest');
    expect(receiptSchemaOf({ zone: 'raw', path: 'ds/manifest.yml' })).toBe('raw_manifest');
    expect(receiptSchemaOf({ zone: 'raw', path: 'ds/checksums.sha256' })).toBeUndefined();
    expect(receiptSchemaOf({ zone: 'work', path: 'ds/manifest.yml' })).toBeUndefined();
    expect(receiptSchemaOf({ zone: 'catalog', path: 'prov/ds/r1.json' })).toBeUndefined();
  });
});

describe('checkReceiptSchema', () => {
  it('finds nothing in a receipt as the projection renders it', () => {
    expect(checkReceiptSchema('validation_report', PATH, renderReceipt(report), 'file')).toBeNull();
  });

  it('reports RECEIPT_SCHEMA_INVALID with the schema and the first failing field', () => {
    const bad = renderReceipt({ ...report, summary: { ...report.summary, failed: -1 } });
    expect(checkReceiptSchema('validation_report', PATH, bad, 'file')).toEqual({
      path: PATH,
      code: 'RECEIPT_SCHEMA_INVALID',
      schema: ID,
      field: 'summary.failed',
      message: `on disk, does not satisfy ${ID}: summary.failed: Too small: expected number to be >=0`,
    });
  });

  it('says when the replay itself breaks the schema, and names at most three issues', () => {
    const bad = renderReceipt({ ...report, kind: 'other', passed: 'yes', extra: 1, reported_at: 'now' });
    const failure = checkReceiptSchema('validation_report', PATH, bad, 'replay')!;
    expect(failure.message).toMatch(
      /^as the ledger replays it \(the events themselves yield an invalid receipt\)/,
    );
    expect(failure.message).toMatch(/\(and 1 more\)$/);
    expect(failure.field).toBe('kind');
  });

  it('finds the same in the document a projection built as in its rendered bytes', () => {
    const bad = { ...report, summary: { ...report.summary, failed: -1 } };
    expect(checkReceiptDocument('validation_report', PATH, report, 'replay')).toBeNull();
    expect(checkReceiptDocument('validation_report', PATH, bad, 'replay')).toEqual(
      checkReceiptSchema('validation_report', PATH, renderReceipt(bad), 'replay'),
    );
  });

  it('reports a receipt that is not JSON (or YAML) on the document itself', () => {
    expect(checkReceiptSchema('validation_report', PATH, '{"kind":', 'file')).toMatchObject({
      code: 'RECEIPT_SCHEMA_INVALID',
      field: '',
      message: expect.stringMatching(/: it is not JSON \(/),
    });
    expect(checkReceiptSchema('raw_manifest', 'data/raw/ds/manifest.yml', 'a: [', 'file')).toMatchObject({
      field: '',
      message: expect.stringMatching(/: it is not YAML \(/),
    });
  });
});
