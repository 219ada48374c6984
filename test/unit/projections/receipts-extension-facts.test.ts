import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runReceiptFiles } from '../../../src/contract/projected-files.js';
import { nobleSha256Hex } from '../../../src/ledger/pure/event-hash.js';
import { H, ledgerEvents, started } from '../../support/ledger-events.js';

// Issue 10 item 10: an extension fact appended about a run (`kfm append x.site.note`) made its
// run_record.json drift until `kfm replay`. Receipts now project the runtime's core events only.

type Draft = [string, string, Record<string, unknown>];
const RUN: Draft[] = [
  ['r1', 'run.started', started('ingest')],
  [
    'r1',
    'raw.captured',
    { capture_id: 'c1', path: 'a.csv', sha256: H('b'), bytes: 3, source_uri: 'file:///a.csv' },
  ],
  ['r1', 'run.completed', { status: 'succeeded' }],
  ['r1', 'run.started', started('validate')],
  ['r1', 'validation.reported', { passed: true, checks: [{ name: 'readable', passed: true }] }],
  ['r1', 'run.completed', { status: 'succeeded' }],
];

const receiptsOf = (events: ReturnType<typeof ledgerEvents>) =>
  runReceiptFiles(events, [], nobleSha256Hex).map((f) => [f.path, f.content]);

describe('runReceiptFiles', () => {
  it('renders the same receipts whatever extension facts are appended to the run afterwards', () => {
    const fact = fc.tuple(
      fc.constantFrom('x.site.note', 'x.site.reading', 'x.qa.flag'),
      fc.dictionary(fc.string({ maxLength: 5 }), fc.integer()),
    );
    fc.assert(
      fc.property(fc.array(fact, { minLength: 1, maxLength: 5 }), (facts) => {
        const events = ledgerEvents('ks_a', [
          ...RUN,
          ...facts.map(([type, payload]): Draft => ['r1', type, payload]),
        ]);
        const atCompletion = receiptsOf(events.slice(0, RUN.length));
        expect(atCompletion.map(([path]) => path)).toEqual([
          'ks_a/runs/r1/run_record.json',
          'ks_a/runs/r1/validation_report.json',
        ]);
        expect(receiptsOf(events)).toEqual(atCompletion);
      }),
      { numRuns: 50 },
    );
  });

  it('renders no receipt for a run of extension facts only', () => {
    expect(receiptsOf(ledgerEvents('ks_a', [['visit', 'x.site.note', { text: 'a' }]]))).toEqual([]);
  });
});
