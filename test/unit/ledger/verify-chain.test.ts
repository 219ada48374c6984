import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GENESIS_HASH } from '../../../src/events/index.js';
import { nodeEventHasher } from '../../../src/ledger/node-hasher.js';
import { canonicalJson } from '../../../src/ledger/pure/canonical-json.js';
import { nobleEventHasher, utf8 } from '../../../src/ledger/pure/event-hash.js';
import {
  type ChainReport,
  ChainVerifier,
  type StoredRow,
  type VerifyOptions,
  verifyChain,
} from '../../../src/ledger/pure/verify-chain.js';
import {
  copyRows,
  envelopeOf,
  extensionDraft,
  memoryLedger,
  reseal,
  rowsOf,
  runDrafts,
  validBatches,
  withBody,
} from './chain-fixtures.js';

const verify = (rows: Iterable<StoredRow>, options: Partial<VerifyOptions> = {}): ChainReport =>
  verifyChain(rows, { hasher: nodeEventHasher, ...options });

const findings = (report: ChainReport) => report.failures.map(({ seq, code }) => ({ seq, code }));

/** Six events in two runs: enough to tamper with the middle and keep neighbours on both sides. */
const sixRows = () => rowsOf(runDrafts('r1'), runDrafts('r2'));

/** Changes one byte of a free-text field, so the body still parses and satisfies its schema. */
function flipByteInside(row: StoredRow, needle: string): StoredRow {
  const at = Buffer.from(row.body).indexOf(needle);
  if (at < 0) throw new Error(`no ${needle} in the body`);
  const body = Uint8Array.from(row.body);
  body[at] = 'X'.charCodeAt(0);
  return { ...row, body };
}

describe('verifyChain', () => {
  describe('when the chain is intact', () => {
    it('reports ok with the event count and the head', () => {
      const ledger = memoryLedger();
      ledger.appendEvents(runDrafts('r1'));
      ledger.appendEvents([extensionDraft(1), extensionDraft(2)]);
      const report = verify(ledger.readEvents());
      expect(report).toEqual({ ok: true, events: 5, head: ledger.head(), failures: [], failures_omitted: 0 });
    });

    it('gives the same verdict with the pure-JavaScript hasher', () => {
      expect(verify(sixRows(), { hasher: nobleEventHasher }).ok).toBe(true);
    });

    it('reports ok for an empty ledger, with the genesis head', () => {
      expect(verify([])).toEqual({
        ok: true,
        events: 0,
        head: { seq: 0, hash: GENESIS_HASH },
        failures: [],
        failures_omitted: 0,
      });
    });

    it('gives the same report pushed row by row through a ChainVerifier', () => {
      const rows = sixRows();
      rows[4] = flipByteInside(rows[4]!, 'file:');
      const verifier = new ChainVerifier({ hasher: nodeEventHasher });
      for (const row of rows) verifier.push(row);
      expect(verifier.finish()).toEqual(verify(rows));
    });
  });

  describe('when a body byte changes', () => {
    it('reports BODY_HASH_MISMATCH at that seq', () => {
      const rows = sixRows();
      rows[4] = flipByteInside(rows[4]!, 'file:');
      const report = verify(rows);
      expect(report.ok).toBe(false);
      expect(findings(report)).toEqual([{ seq: 5, code: 'BODY_HASH_MISMATCH' }]);
    });
  });

  describe('when a stored hash changes', () => {
    it('reports BODY_HASH_MISMATCH there and PREV_LINK_BROKEN at the next seq', () => {
      const rows = sixRows();
      rows[3] = { ...rows[3]!, hash: 'f'.repeat(64) };
      expect(findings(verify(rows))).toEqual([
        { seq: 4, code: 'BODY_HASH_MISMATCH' },
        { seq: 5, code: 'PREV_LINK_BROKEN' },
      ]);
    });
  });

  describe('when a self-consistent event from another history is spliced in', () => {
    it('reports PREV_LINK_BROKEN at that seq, and at the next one, whose link it broke', () => {
      const rows = sixRows();
      const other = rowsOf(runDrafts('other'), runDrafts('r2'));
      rows[3] = other[3]!;
      expect(findings(verify(rows))).toEqual([
        { seq: 4, code: 'PREV_LINK_BROKEN' },
        { seq: 5, code: 'PREV_LINK_BROKEN' },
      ]);
    });

    it('reports PREV_LINK_BROKEN only at that seq when it is the last', () => {
      const rows = sixRows();
      rows[5] = rowsOf(runDrafts('other'), runDrafts('r2'))[5]!;
      expect(findings(verify(rows))).toEqual([{ seq: 6, code: 'PREV_LINK_BROKEN' }]);
    });
  });

  describe('when a forged event names the wrong previous hash', () => {
    it('reports PREV_LINK_BROKEN at that seq', () => {
      const rows = sixRows();
      rows[5] = reseal(rows[5]!, (e) => {
        e.prev_hash = 'e'.repeat(64);
      });
      expect(findings(verify(rows))).toEqual([{ seq: 6, code: 'PREV_LINK_BROKEN' }]);
    });
  });

  describe('when a row is deleted', () => {
    it('reports SEQ_GAP at the seq after the hole', () => {
      const rows = sixRows();
      rows.splice(2, 1);
      const report = verify(rows);
      expect(findings(report)).toEqual([{ seq: 4, code: 'SEQ_GAP' }]);
      expect(report.events).toBe(5);
    });
  });

  describe('when two rows are swapped', () => {
    it('reports SEQ_GAP at both seqs and nothing but SEQ_GAP', () => {
      const rows = sixRows();
      [rows[2], rows[3]] = [rows[3]!, rows[2]!];
      const found = findings(verify(rows));
      expect(found).toContainEqual({ seq: 4, code: 'SEQ_GAP' });
      expect(found).toContainEqual({ seq: 3, code: 'SEQ_GAP' });
      expect(new Set(found.map((f) => f.code))).toEqual(new Set(['SEQ_GAP']));
    });
  });

  describe('when a row is duplicated', () => {
    it('reports SEQ_GAP at the repeated seq', () => {
      const rows = sixRows();
      rows.splice(3, 0, copyRows([rows[2]!])[0]!);
      expect(findings(verify(rows))).toContainEqual({ seq: 3, code: 'SEQ_GAP' });
      expect(verify(rows).ok).toBe(false);
    });
  });

  describe('when an indexed column disagrees with the hashed body', () => {
    const edits: Array<[keyof StoredRow, string]> = [
      ['event_id', '01ARZ3NDEKTSV4RRFFQ69G5FAV'],
      ['type', 'x.site.note'],
      ['dataset_id', 'ks_other'],
      ['run_id', 'r9'],
      ['recorded_at', '2030-01-01T00:00:00.000Z'],
      ['prev_hash', 'd'.repeat(64)],
    ];
    it.each(edits)('reports COLUMN_MISMATCH when %s changes', (column, value) => {
      const rows = sixRows();
      rows[4] = { ...rows[4]!, [column]: value };
      expect(findings(verify(rows))).toEqual([{ seq: 5, code: 'COLUMN_MISMATCH' }]);
    });

    it('reports COLUMN_MISMATCH (and the gap it opens) when seq changes', () => {
      const rows = sixRows();
      rows[5] = { ...rows[5]!, seq: 7 };
      expect(findings(verify(rows))).toEqual([
        { seq: 7, code: 'SEQ_GAP' },
        { seq: 7, code: 'COLUMN_MISMATCH' },
      ]);
    });
  });

  describe('when a body is not a UTF-8 JSON object', () => {
    it.each([
      ['invalid UTF-8', Uint8Array.from([0x7b, 0xff, 0x7d])],
      ['not JSON', utf8('{"v":1,')],
      ['a JSON array', utf8('[1,2]')],
      ['JSON null', utf8('null')],
    ])('reports BODY_UNREADABLE for %s', (_what, body) => {
      const rows = sixRows();
      rows[5] = withBody(rows[5]!, body);
      expect(findings(verify(rows))).toEqual([{ seq: 6, code: 'BODY_UNREADABLE' }]);
    });
  });

  describe('when a hashed event does not satisfy its schema', () => {
    it('reports SCHEMA_INVALID for a payload that breaks its type', () => {
      const rows = sixRows();
      rows[5] = reseal(rows[5]!, (e) => {
        e.payload = { status: 'exploded' };
      });
      expect(findings(verify(rows))).toEqual([{ seq: 6, code: 'SCHEMA_INVALID' }]);
    });

    it('reports SCHEMA_INVALID for an envelope with an extra field', () => {
      const rows = sixRows();
      rows[5] = reseal(rows[5]!, (e) => {
        e.note = 'smuggled';
      });
      expect(findings(verify(rows))).toEqual([{ seq: 6, code: 'SCHEMA_INVALID' }]);
    });

    it('reports SCHEMA_INVALID for an unsafe dataset_id, even with matching columns', () => {
      const rows = sixRows();
      rows[5] = reseal(rows[5]!, (e) => {
        e.dataset_id = '../etc';
      });
      expect(findings(verify(rows))).toEqual([{ seq: 6, code: 'SCHEMA_INVALID' }]);
    });
  });

  describe('when anchors were recorded', () => {
    it('reports ok while the anchored hashes are still there', () => {
      const rows = sixRows();
      const anchors = [2, 6].map((seq) => ({ seq, hash: rows[seq - 1]!.hash }));
      expect(verify(rows, { anchors }).ok).toBe(true);
    });

    it('reports ANCHOR_MISMATCH at the anchored seq when the history was rebuilt consistently', () => {
      const rows = sixRows();
      const anchors = [{ seq: 3, hash: rows[2]!.hash }];
      const rewritten = rowsOf(runDrafts('r1', 'ks_forged'), runDrafts('r2'));
      expect(verify(rewritten).ok).toBe(true);
      expect(findings(verify(rewritten, { anchors }))).toEqual([{ seq: 3, code: 'ANCHOR_MISMATCH' }]);
    });

    it('reports ANCHOR_MISSING at the anchored seq when the tail was truncated', () => {
      const rows = sixRows();
      const anchors = [{ seq: 6, hash: rows[5]!.hash }];
      const report = verify(rows.slice(0, 5), { anchors });
      expect(findings(report)).toEqual([{ seq: 6, code: 'ANCHOR_MISSING' }]);
      expect(report.head).toEqual({ seq: 5, hash: rows[4]!.hash });
      expect(findings(verify(rows.slice(0, 2), { anchors }))).toEqual([{ seq: 6, code: 'ANCHOR_MISSING' }]);
    });

    it('reports ANCHOR_MISMATCH when the tail was truncated and forged events appended past it', () => {
      const rows = sixRows();
      const anchors = [{ seq: 6, hash: rows[5]!.hash }];
      const ledger = memoryLedger();
      ledger.appendEvents(runDrafts('r1'));
      ledger.appendEvents([extensionDraft(1), extensionDraft(2), extensionDraft(3)]);
      expect(findings(verify(ledger.readEvents(), { anchors }))).toEqual([
        { seq: 6, code: 'ANCHOR_MISMATCH' },
      ]);
      ledger.appendEvents([extensionDraft(4)]);
      expect(findings(verify(ledger.readEvents(), { anchors }))).toEqual([
        { seq: 6, code: 'ANCHOR_MISMATCH' },
      ]);
    });
  });

  describe('when there are more failures than maxFailures', () => {
    // A trailing space still parses to the same envelope: the only finding per row is the hash.
    const tamperAll = () => sixRows().map((row) => ({ ...row, body: Uint8Array.from([...row.body, 0x20]) }));

    it('keeps maxFailures of them and counts the rest in failures_omitted', () => {
      const report = verify(tamperAll(), { maxFailures: 2 });
      expect(report.ok).toBe(false);
      expect(findings(report)).toEqual([
        { seq: 1, code: 'BODY_HASH_MISMATCH' },
        { seq: 2, code: 'BODY_HASH_MISMATCH' },
      ]);
      expect(report.failures_omitted).toBe(4);
    });

    it('still reports not ok when every failure was omitted', () => {
      const report = verify(tamperAll(), { maxFailures: 0 });
      expect(report).toMatchObject({ ok: false, failures: [], failures_omitted: 6 });
    });

    it('keeps them all when they fit', () => {
      const report = verify(tamperAll(), { maxFailures: 6 });
      expect(report.failures).toHaveLength(6);
      expect(report.failures_omitted).toBe(0);
    });
  });

  describe('property: any sequence of valid appends', () => {
    it('verifies, and the stored bodies hold exactly what was appended', () => {
      fc.assert(
        fc.property(validBatches, (batches) => {
          const ledger = memoryLedger();
          for (const batch of batches) ledger.appendEvents(batch);
          const rows = [...ledger.readEvents()];
          const report = verify(rows);
          expect(findings(report)).toEqual([]);
          expect(report.ok).toBe(true);
          expect(report.events).toBe(batches.flat().length);
          expect(report.head).toEqual(ledger.head());
          batches.flat().forEach((draft, i) => {
            const stored = envelopeOf(rows[i]!);
            expect(canonicalJson(stored.payload)).toBe(canonicalJson(draft.payload));
            expect([stored.type, stored.dataset_id, stored.run_id]).toEqual([
              draft.type,
              draft.dataset_id,
              draft.run_id,
            ]);
          });
        }),
        { numRuns: 60 },
      );
    });
  });

  describe('property: any single-byte mutation of any stored body', () => {
    it('is reported as BODY_HASH_MISMATCH at that seq', () => {
      fc.assert(
        fc.property(
          validBatches,
          fc.nat(),
          fc.nat(),
          fc.integer({ min: 1, max: 255 }),
          (batches, rowPick, bytePick, xor) => {
            const ledger = memoryLedger();
            for (const batch of batches) ledger.appendEvents(batch);
            const rows = copyRows(ledger.readEvents());
            const target = rows[rowPick % rows.length]!;
            const at = bytePick % target.body.length;
            target.body[at] = target.body[at]! ^ xor;
            const report = verify(rows);
            expect(report.ok).toBe(false);
            expect(findings(report)).toContainEqual({ seq: target.seq, code: 'BODY_HASH_MISMATCH' });
          },
        ),
        { numRuns: 100 },
      );
    });
  });
});

describe('verifyChain, each finding as kfm verify prints it', () => {
  const failures = (rows: StoredRow[], options: Partial<VerifyOptions> = {}) =>
    verify(rows, options).failures;

  it('says a body was altered', () => {
    const rows = sixRows();
    rows[4] = flipByteInside(rows[4]!, 'file:');
    expect(failures(rows)).toEqual([
      {
        seq: 5,
        code: 'BODY_HASH_MISMATCH',
        message: 'the stored body does not hash to the stored hash: the body was altered',
      },
    ]);
  });

  it('names the seq whose hash the next prev_hash no longer matches', () => {
    const rows = sixRows();
    rows[3] = { ...rows[3]!, hash: 'f'.repeat(64) };
    expect(failures(rows)[1]).toEqual({
      seq: 5,
      code: 'PREV_LINK_BROKEN',
      message: 'prev_hash does not match the hash of seq 4',
    });
  });

  it('names the missing range of a deletion and the order of swapped rows', () => {
    const rows = sixRows();
    rows.splice(2, 2);
    expect(failures(rows)).toEqual([
      { seq: 5, code: 'SEQ_GAP', message: 'seq 3..4 missing: events were deleted' },
    ]);
    const swapped = sixRows();
    [swapped[2], swapped[3]] = [swapped[3]!, swapped[2]!];
    expect(failures(swapped)).toEqual([
      { seq: 4, code: 'SEQ_GAP', message: 'seq 3..3 missing: events were deleted' },
      { seq: 3, code: 'SEQ_GAP', message: 'seq 3 follows seq 4: rows are out of order' },
      { seq: 5, code: 'SEQ_GAP', message: 'seq 4..4 missing: events were deleted' },
    ]);
  });

  it('lists every indexed column that differs from the body', () => {
    const rows = sixRows();
    rows[4] = { ...rows[4]!, type: 'x.site.note', dataset_id: 'ks_other' };
    expect(failures(rows)).toEqual([
      {
        seq: 5,
        code: 'COLUMN_MISMATCH',
        message: 'indexed column(s) type, dataset_id differ from the hashed body',
      },
    ]);
  });

  it('says an unreadable body is not a UTF-8 JSON object', () => {
    const rows = sixRows();
    rows[5] = withBody(rows[5]!, utf8('"text"'));
    expect(failures(rows)).toEqual([
      { seq: 6, code: 'BODY_UNREADABLE', message: 'the stored body is not a UTF-8 JSON object' },
    ]);
  });

  it('lists each schema issue with its path, the envelope itself as (envelope)', () => {
    const rows = sixRows();
    const smuggled = reseal(rows[5]!, (e) => {
      e.note = 'smuggled';
    });
    expect(failures([...rows.slice(0, 5), smuggled])).toEqual([
      {
        seq: 6,
        code: 'SCHEMA_INVALID',
        message: 'event does not match its schema: (envelope): Unrecognized key: "note"',
      },
    ]);
    const broken = reseal(rows[5]!, (e) => {
      e.payload = { status: 'exploded', error: 1 };
    });
    expect(failures([...rows.slice(0, 5), broken])).toEqual([
      {
        seq: 6,
        code: 'SCHEMA_INVALID',
        message:
          'event does not match its schema: payload.status: Invalid option: expected one of "succeeded"|"failed"|"denied"; payload.error: Invalid input: expected object, received number',
      },
    ]);
  });

  it('quotes the anchored hash of a rewritten history and of a truncated tail', () => {
    const rows = sixRows();
    const anchor = { seq: 6, hash: rows[5]!.hash };
    const rewritten = rowsOf(runDrafts('r1', 'ks_forged'), runDrafts('r2'));
    expect(failures(rewritten, { anchors: [anchor] })).toEqual([
      {
        seq: 6,
        code: 'ANCHOR_MISMATCH',
        message: `hash differs from the anchored ${anchor.hash}: history was rewritten`,
      },
    ]);
    expect(failures(rows.slice(0, 5), { anchors: [anchor] })).toEqual([
      {
        seq: 6,
        code: 'ANCHOR_MISSING',
        message: `the ledger ends at seq 5 but an anchor records seq 6 (${anchor.hash}): the tail was truncated`,
      },
    ]);
  });

  it('leaves an anchor past a segment that does not reach the ledger end to the segments after it', () => {
    const rows = sixRows();
    const anchors = [{ seq: 6, hash: rows[5]!.hash }];
    const first = verify(rows.slice(0, 3), {
      anchors,
      segment: { after: { seq: 0, hash: GENESIS_HASH }, reachesEnd: false },
    });
    expect(first).toEqual({
      ok: true,
      events: 3,
      head: { seq: 3, hash: rows[2]!.hash },
      failures: [],
      failures_omitted: 0,
    });
  });
});

// withBody re-hashes the row, so the next row's link breaks as well.
describe('verifyChain on bodies a forger shaped to pass', () => {
  it('reports a body with invalid UTF-8 inside a string as unreadable, not as the text it decodes to', () => {
    const rows = sixRows();
    const body = Uint8Array.from(rows[1]!.body);
    body[Buffer.from(body).indexOf('file:')] = 0xff;
    rows[1] = withBody(rows[1]!, body);
    expect(findings(verify(rows))).toEqual([
      { seq: 2, code: 'BODY_UNREADABLE' },
      { seq: 3, code: 'PREV_LINK_BROKEN' },
    ]);
  });

  it('judges the link by the indexed prev_hash when the body has none', () => {
    const rows = sixRows();
    const envelope = envelopeOf(rows[3]!);
    delete envelope.prev_hash;
    rows[3] = withBody(rows[3]!, utf8(canonicalJson(envelope)));
    expect(findings(verify(rows))).toEqual([
      { seq: 4, code: 'COLUMN_MISMATCH' },
      { seq: 4, code: 'SCHEMA_INVALID' },
      { seq: 5, code: 'PREV_LINK_BROKEN' },
    ]);
  });
});
