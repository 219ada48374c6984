import { createHash } from 'node:crypto';

/**
 * RFC 9162 §2.1 written down as literally as possible, as the reference the tiled tree is checked
 * against: MTH, PATH and PROOF/SUBPROOF by recursion over D[lo:hi]. MTH is memoised on the range
 * (the same range of the same leaves always has the same hash), which keeps it usable to 100,000.
 */
const sha256 = (...parts: Uint8Array[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

export class NaiveTree {
  private readonly memo = new Map<string, Uint8Array>();

  constructor(readonly entries: readonly Uint8Array[]) {}

  mth(lo: number, hi: number): Uint8Array {
    if (hi - lo === 0) return sha256();
    if (hi - lo === 1) return sha256(Uint8Array.of(0), this.entries[lo]!);
    const key = `${lo}:${hi}`;
    let hash = this.memo.get(key);
    if (hash === undefined) {
      const k = largestPowerOfTwoBelow(hi - lo);
      hash = sha256(Uint8Array.of(1), this.mth(lo, lo + k), this.mth(lo + k, hi));
      this.memo.set(key, hash);
    }
    return hash;
  }

  /** PATH(m, D[lo:hi]). */
  path(m: number, lo: number, hi: number): Uint8Array[] {
    if (hi - lo === 1) return [];
    const k = largestPowerOfTwoBelow(hi - lo);
    return m < k
      ? [...this.path(m, lo, lo + k), this.mth(lo + k, hi)]
      : [...this.path(m - k, lo + k, hi), this.mth(lo, lo + k)];
  }

  /** PROOF(m, D[0:n]) = SUBPROOF(m, D[0:n], true). */
  proof(m: number, n: number): Uint8Array[] {
    return this.subproof(m, 0, n, true);
  }

  private subproof(m: number, lo: number, hi: number, b: boolean): Uint8Array[] {
    if (m === hi - lo) return b ? [] : [this.mth(lo, hi)];
    const k = largestPowerOfTwoBelow(hi - lo);
    return m <= k
      ? [...this.subproof(m, lo, lo + k, b), this.mth(lo + k, hi)]
      : [...this.subproof(m - k, lo + k, hi, false), this.mth(lo, lo + k)];
  }
}

function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}
