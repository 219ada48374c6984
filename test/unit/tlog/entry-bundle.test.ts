import { bytesToHex } from '@noble/hashes/utils.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { utf8Bytes } from '../../../src/tlog/bytes.js';
import { formatEntryBundle, MAX_BUNDLED_ENTRY, parseEntryBundle } from '../../../src/tlog/entry-bundle.js';
import { nodeTreeHasher } from '../../../src/tlog/node-tree-hasher.js';
import { MemoryTileStore } from './tile-store.js';

describe('entry bundles (tlog-tiles)', () => {
  it('frame each entry with its big-endian uint16 length', () => {
    expect(
      bytesToHex(formatEntryBundle([utf8Bytes('ab'), new Uint8Array(0), new Uint8Array(258)]).subarray(0, 8)),
    ).toBe('00026162' + '0000' + '0102');
  });

  it('hash, entry by entry, to the level-0 tile beside them, partial or full', () => {
    const entries = Array.from({ length: 300 }, (_, i) => utf8Bytes(`{"seq":${i + 1}}`));
    const store = new MemoryTileStore(nodeTreeHasher);
    store.append(entries.map((e) => nodeTreeHasher.leaf(e)));
    for (const [index, width] of [
      [0, 256],
      [1, 44],
    ] as const) {
      const bundle = parseEntryBundle(formatEntryBundle(entries.slice(index * 256, index * 256 + width)))!;
      const hashes = bundle.flatMap((e) => [...nodeTreeHasher.leaf(e)]);
      expect(bytesToHex(Uint8Array.from(hashes))).toBe(bytesToHex(store.read({ level: 0, index, width })));
    }
  });

  it('parse back to the same entries, and refuse a bundle cut short by one byte', () => {
    const entries = fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 20 });
    fc.assert(
      fc.property(entries, (list) => {
        const bundle = formatEntryBundle(list);
        expect(parseEntryBundle(bundle)?.map(bytesToHex)).toEqual(list.map(bytesToHex));
        expect(parseEntryBundle(bundle.subarray(0, bundle.length - 1))).toBeUndefined();
      }),
    );
  });

  it(`refuse an entry over ${MAX_BUNDLED_ENTRY} bytes, an empty bundle and more than 256 entries`, () => {
    expect(() => formatEntryBundle([new Uint8Array(MAX_BUNDLED_ENTRY + 1)])).toThrow(/65535/);
    expect(formatEntryBundle([new Uint8Array(MAX_BUNDLED_ENTRY)])).toHaveLength(MAX_BUNDLED_ENTRY + 2);
    expect(() => formatEntryBundle([])).toThrow();
    expect(() => formatEntryBundle(Array.from({ length: 257 }, () => new Uint8Array(0)))).toThrow();
  });
});
