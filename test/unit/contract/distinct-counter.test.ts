import bloomFilters from 'bloom-filters';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DistinctCounter,
  EXACT_DISTINCT_LIMIT,
  SKETCH_REGISTERS,
  SKETCH_STANDARD_ERROR,
  updateSketch,
} from '../../../src/contract/validation/distinct-counter.js';

const { HyperLogLog } = bloomFilters;
const counterOf = (values: Iterable<string>) => {
  const counter = new DistinctCounter();
  for (const v of values) counter.add(v);
  return counter;
};
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `v${from + i}`);

describe('updateSketch', () => {
  it("sets exactly the registers bloom-filters' own HyperLogLog.update sets (same XXH64, same seed)", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 12 }), { maxLength: 60 }), (values) => {
        const library = new HyperLogLog(SKETCH_REGISTERS);
        const fast = new HyperLogLog(SKETCH_REGISTERS);
        for (const v of values) {
          library.update(v);
          updateSketch(fast, v);
        }
        expect(fast._registers).toEqual(library._registers);
      }),
      { numRuns: 30 },
    );
  });
});

describe('DistinctCounter', () => {
  it(`is exact up to ${EXACT_DISTINCT_LIMIT} distinct values, repeats counted once`, () => {
    const counter = counterOf([...range(0, EXACT_DISTINCT_LIMIT), ...range(0, 500)]);
    expect(counter.exact).toBe(true);
    expect(counter.count()).toBe(EXACT_DISTINCT_LIMIT);
  });

  it('estimates past the limit within 3 standard errors (2.3 % each)', () => {
    const counter = counterOf(range(0, 50_000));
    expect(counter.exact).toBe(false);
    expect(SKETCH_STANDARD_ERROR).toBeCloseTo(0.023, 3);
    expect(Math.abs(counter.count() - 50_000)).toBeLessThanOrEqual(50_000 * 3 * SKETCH_STANDARD_ERROR);
  });

  it('merges two exact counters into the exact count of the union', () => {
    const merged = counterOf(range(0, 300)).merge(counterOf(range(200, 400)));
    expect([merged.exact, merged.count()]).toEqual([true, 400]);
  });

  it('merges across the limit into the same count as one counter of everything', () => {
    const merged = counterOf(range(0, 9_000)).merge(counterOf(range(4_000, 20_000)));
    expect(merged.exact).toBe(false);
    expect(merged.count()).toBe(counterOf(range(0, 20_000)).count());
  });

  it('leaves both operands of a merge as they were', () => {
    const a = counterOf(range(0, 10));
    const b = counterOf(range(5, 20));
    a.merge(b);
    expect([a.count(), b.count()]).toEqual([10, 15]);
  });
});
