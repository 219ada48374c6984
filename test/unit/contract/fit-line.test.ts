import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fitLine, progressLine } from '../../../src/contract/backfill/progress.js';

const CLEAR = '\r\x1b[2K';

describe('fitLine', () => {
  it('cuts a backfill progress line to one row of an 80-column terminal, keeping the redraw prefix', () => {
    const line = `${CLEAR}kfm backfill ks_streamflow_daily  ${progressLine({ done: 12, total: 40, elapsedMs: 5714 })}`;
    expect([...line].length).toBeGreaterThan(80);
    const fitted = fitLine(line, 80);
    expect(fitted.startsWith(CLEAR)).toBe(true);
    expect([...fitted.slice(CLEAR.length)]).toHaveLength(79);
    expect(line.startsWith(fitted)).toBe(true);
  });

  it('passes through what fits, a bare newline, and everything when the width is unknown', () => {
    expect(fitLine(`${CLEAR}short`, 80)).toBe(`${CLEAR}short`);
    expect(fitLine('\n', 1)).toBe('\n');
    expect(fitLine('x'.repeat(300), undefined)).toBe('x'.repeat(300));
  });

  it('never leaves more than columns - 1 code points after the prefix', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.string({ unit: 'grapheme' }),
        fc.integer({ min: 1, max: 200 }),
        (clear, text, columns) => {
          const chunk = (clear ? CLEAR : '') + text;
          const out = fitLine(chunk, columns);
          const body = clear ? out.slice(CLEAR.length) : out;
          expect([...body].length).toBeLessThanOrEqual(columns - 1);
          expect(chunk.startsWith(out)).toBe(true);
        },
      ),
    );
  });
});
