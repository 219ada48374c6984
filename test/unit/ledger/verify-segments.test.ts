import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GENESIS_HASH } from '../../../src/events/index.js';
import { nodeEventHasher } from '../../../src/ledger/node-hasher.js';
import type { ChainHead } from '../../../src/ledger/pure/seal-events.js';
import {
  type ChainReport,
  mergeChainReports,
  type StoredRow,
  segmentRanges,
  verifyChain,
} from '../../../src/ledger/pure/verify-chain.js';
import { copyRows, extensionDraft, memoryLedger, reseal } from './chain-fixtures.js';

// A ledger verified in seq segments (one per thread, src/ledger/sqlite/parallel-verify.ts) must give the
// report of one pass, for intact and tampered ledgers alike. Rows here are what SQLite returns for
// `ORDER BY seq` on a primary key: sorted, each seq once.

function ledgerRows(count: number): StoredRow[] {
  const ledger = memoryLedger();
  ledger.appendEvents(Array.from({ length: count }, (_, i) => extensionDraft(i + 1)));
  return copyRows(ledger.readEvents());
}

/** What a segment's worker does: the stored head before `from`, then the rows in its range. */
function verifySegment(
  rows: readonly StoredRow[],
  range: { from?: number; to: number },
  reachesEnd: boolean,
  anchors: readonly ChainHead[],
  maxFailures: number,
): ChainReport {
  const before = range.from === undefined ? undefined : rows.filter((r) => r.seq < range.from!).at(-1);
  const after =
    before === undefined ? { seq: 0, hash: GENESIS_HASH } : { seq: before.seq, hash: before.hash };
  const inRange = rows.filter((r) => (range.from === undefined || r.seq >= range.from) && r.seq <= range.to);
  return verifyChain(inRange, {
    hasher: nodeEventHasher,
    anchors,
    maxFailures,
    segment: { after, reachesEnd },
  });
}

function verifyInParts(
  rows: readonly StoredRow[],
  parts: number,
  anchors: readonly ChainHead[] = [],
  maxFailures = 1000,
): ChainReport {
  const headSeq = rows.at(-1)?.seq ?? 0;
  const ranges = segmentRanges(headSeq, parts);
  return mergeChainReports(
    ranges.map((range, i) => verifySegment(rows, range, i === ranges.length - 1, anchors, maxFailures)),
    maxFailures,
  );
}

const tampers: Record<string, (rows: StoredRow[], at: number) => StoredRow[]> = {
  'a flipped body byte': (rows, at) => {
    rows[at]!.body[5] = rows[at]!.body[5]! ^ 1;
    return rows;
  },
  'a deleted row': (rows, at) => rows.filter((_, i) => i !== at),
  'a resealed row with a forged payload': (rows, at) => {
    rows[at] = reseal(rows[at]!, (e) => {
      e.payload = { forged: true };
    });
    return rows;
  },
  'a row moved to seq 0': (rows, at) => {
    const moved = reseal(rows[at]!, (e) => {
      e.seq = 0;
    });
    return [moved, ...rows.filter((_, i) => i !== at)];
  },
  'a truncated tail': (rows, at) => rows.slice(0, at),
};

describe('segmentRanges', () => {
  it('covers every seq once: the first range open below, the last ending at the head', () => {
    expect(segmentRanges(10, 3)).toEqual([{ to: 4 }, { from: 5, to: 8 }, { from: 9, to: 10 }]);
    expect(segmentRanges(2, 8)).toEqual([{ to: 1 }, { from: 2, to: 2 }]);
    expect(segmentRanges(0, 4)).toEqual([{ to: 0 }]);
    expect(segmentRanges(1000, 1)).toEqual([{ to: 1000 }]);
    // Four parts of five rows in ranges of two: the fourth would start past the head, so it is dropped.
    expect(segmentRanges(5, 4)).toEqual([{ to: 2 }, { from: 3, to: 4 }, { from: 5, to: 6 }]);
  });
});

describe('mergeChainReports', () => {
  it('joins no reports into the report of an empty ledger', () => {
    expect(mergeChainReports([])).toEqual({
      ok: true,
      events: 0,
      head: { seq: 0, hash: GENESIS_HASH },
      failures: [],
      failures_omitted: 0,
    });
  });
});

describe('a ledger verified in segments', () => {
  it('gives the single-pass report, for any split and any tamper', () => {
    const names = Object.keys(tampers);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 9 }),
        fc.constantFrom(...names),
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 0, max: 4 }),
        (count, parts, tamper, pick, anchorPick, maxFailures) => {
          const intact = ledgerRows(count);
          const anchorRow = intact[anchorPick % intact.length]!;
          const anchors = [
            { seq: anchorRow.seq, hash: anchorRow.hash },
            { seq: count + 3, hash: anchorRow.hash },
          ];
          const rows = tampers[tamper]!(copyRows(intact), pick % count);
          const single = verifyChain(rows, { hasher: nodeEventHasher, anchors, maxFailures });
          expect(verifyInParts(rows, parts, anchors, maxFailures)).toEqual(single);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reports an intact ledger ok with its head, whatever the number of parts', () => {
    const rows = ledgerRows(25);
    const single = verifyChain(rows, { hasher: nodeEventHasher });
    expect(single.ok).toBe(true);
    for (const parts of [1, 2, 3, 7, 25, 40]) expect(verifyInParts(rows, parts)).toEqual(single);
  });
});
