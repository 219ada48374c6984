import bloomFilters from 'bloom-filters';
import xxhash from 'xxhash-wasm';

const { HyperLogLog } = bloomFilters;
export type Sketch = InstanceType<typeof HyperLogLog>;

/** Up to this many distinct values a column's distinct count is exact (a set of them is kept). */
export const EXACT_DISTINCT_LIMIT = 10_000;

/**
 * HyperLogLog registers past the exact limit (bloom-filters' HyperLogLog, Flajolet et al. 2007): its
 * relative standard error is 1.04/√m = 2.3% (`SKETCH_STANDARD_ERROR`), so an estimate lies within
 * ±6.9% of the true count about 99.7% of the time. 2048 also keeps the estimator out of its
 * small-range (linear counting) correction, which the library takes below 2.5·m = 5,120: every
 * estimate here is of more than 10,000 values.
 */
export const SKETCH_REGISTERS = 2048;
export const SKETCH_STANDARD_ERROR = 1.04 / Math.sqrt(SKETCH_REGISTERS);

/**
 * bloom-filters hashes each value with xxhashjs's XXH64, a pure-JS 64-bit arithmetic that costs
 * ~8 µs a value (a 1 GiB CSV has ~10⁸ cells). xxhash-wasm computes the same XXH64 (same seed, same
 * UTF-8 bytes, so the same registers: test/unit/distinct-counter.test.ts proves it) in ~0.4 µs; the
 * register update below is the library's own rule, and counting and merging stay the library's.
 */
const { h64 } = await xxhash();
/** bloom-filters' default seed, 0x1234567890, as xxhashjs takes it: its low 32 bits. */
const SEED = 0x34567890n;
const INDEX_BITS = Math.log2(SKETCH_REGISTERS);
const TOP_BITS = 64 - INDEX_BITS;

/** As HyperLogLog.update: the low bits pick the register, the rest give the position of their first 1. */
export function updateSketch(sketch: Sketch, value: string): void {
  const hash = h64(value, SEED);
  const hi = Number(hash >> 32n);
  const lo = Number(hash & 0xffffffffn);
  const bitLength = hi !== 0 ? 64 - Math.clz32(hi) : 32 - Math.clz32(lo);
  const topLength = Math.max(0, bitLength - INDEX_BITS);
  const leftmost = topLength === 0 ? TOP_BITS - 1 : TOP_BITS - topLength;
  const index = lo & (SKETCH_REGISTERS - 1);
  sketch._registers[index] = Math.max(sketch._registers[index] ?? 0, leftmost);
}

/**
 * Counts distinct strings: exactly while there are at most EXACT_DISTINCT_LIMIT, then by estimate.
 * Mergeable: the union of two counters is the counter of the union of their inputs, exactly so —
 * sets unite, and HyperLogLog registers take their maximum (an insertion is idempotent).
 */
export class DistinctCounter {
  private values: Set<string> | null = new Set();
  private sketch: Sketch | null = null;

  add(value: string): void {
    if (this.values !== null) {
      this.values.add(value);
      if (this.values.size > EXACT_DISTINCT_LIMIT) this.spill();
    } else if (this.sketch !== null) updateSketch(this.sketch, value);
  }

  get exact(): boolean {
    return this.values !== null;
  }

  count(): number {
    return this.values?.size ?? this.sketch?.count(true) ?? 0;
  }

  /** A new counter of both inputs; neither operand changes. */
  merge(other: DistinctCounter): DistinctCounter {
    const merged = new DistinctCounter();
    for (const side of [this, other]) {
      if (side.values !== null) for (const value of side.values) merged.add(value);
    }
    for (const side of [this, other]) {
      if (side.sketch === null) continue;
      if (merged.sketch === null) merged.spill();
      merged.sketch = (merged.sketch as Sketch).merge(side.sketch);
    }
    return merged;
  }

  private spill(): void {
    this.sketch = new HyperLogLog(SKETCH_REGISTERS);
    for (const value of this.values ?? []) updateSketch(this.sketch, value);
    this.values = null;
  }
}
