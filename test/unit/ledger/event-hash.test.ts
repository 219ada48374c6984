import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nodeEventHasher, nodeSha256Hex } from '../../../src/ledger/node-hasher.js';
import {
  EVENT_HASH_DOMAIN,
  nobleEventHasher,
  nobleSha256Hex,
  utf8,
} from '../../../src/ledger/pure/event-hash.js';

// Known answers computed outside this code base with coreutils:
//   printf 'kfm.event.v1\n{}' | sha256sum
//   printf '{}' | sha256sum
//   printf '' | sha256sum
const EVENT_HASH_OF_EMPTY_OBJECT = '692f595f09759b984ea810c3526799183947abfa9128b9d63d0694a808cf4c5a';
const SHA256_OF_EMPTY_OBJECT = '44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';
const SHA256_OF_NOTHING = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** Byte arrays, also as views into a larger buffer (a Buffer from SQLite is often such a view). */
const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 600 }),
  fc
    .tuple(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.nat(), fc.nat())
    .map(([all, a, b]) => all.subarray(Math.min(a, b) % all.length, Math.max(a, b) % (all.length + 1))),
);

describe('event hashing', () => {
  describe('the domain prefix', () => {
    it('is "kfm.event.v1" and a newline', () => {
      expect(EVENT_HASH_DOMAIN).toBe('kfm.event.v1\n');
    });
  });

  describe('nodeEventHasher and nobleEventHasher', () => {
    it('give the known answer for the body {}', () => {
      expect(nodeEventHasher(utf8('{}'))).toBe(EVENT_HASH_OF_EMPTY_OBJECT);
      expect(nobleEventHasher(utf8('{}'))).toBe(EVENT_HASH_OF_EMPTY_OBJECT);
    });

    it('give identical lowercase hex digests for any bytes', () => {
      fc.assert(
        fc.property(bytes, (body) => {
          const digest = nodeEventHasher(body);
          expect(digest).toMatch(/^[0-9a-f]{64}$/);
          expect(nobleEventHasher(body)).toBe(digest);
        }),
        { numRuns: 300 },
      );
    });

    it('give identical digests for bodies larger than any internal buffer, in any order', () => {
      const sizes = [8192, 8200, 70_000, 1 << 20, (1 << 20) + 1, 3, 0, 9000, 5];
      for (const size of sizes) {
        const body = Uint8Array.from({ length: size }, (_, i) => (i * 31 + size) & 0xff);
        expect(nodeEventHasher(body)).toBe(nobleEventHasher(body));
      }
    });

    it('hash the domain prefix followed by the body, never the body alone', () => {
      fc.assert(
        fc.property(bytes, (body) => {
          const prefixed = new Uint8Array([...utf8(EVENT_HASH_DOMAIN), ...body]);
          expect(nodeEventHasher(body)).toBe(nodeSha256Hex(prefixed));
          expect(nobleEventHasher(body)).not.toBe(nobleSha256Hex(body));
        }),
        { numRuns: 100 },
      );
    });
  });

  describe('nodeSha256Hex and nobleSha256Hex', () => {
    it('give the known answers for {} and for no bytes', () => {
      for (const sha256 of [nodeSha256Hex, nobleSha256Hex]) {
        expect(sha256(utf8('{}'))).toBe(SHA256_OF_EMPTY_OBJECT);
        expect(sha256(new Uint8Array())).toBe(SHA256_OF_NOTHING);
      }
    });

    it('give identical lowercase hex digests for any bytes', () => {
      fc.assert(
        fc.property(bytes, (input) => {
          const digest = nodeSha256Hex(input);
          expect(digest).toMatch(/^[0-9a-f]{64}$/);
          expect(nobleSha256Hex(input)).toBe(digest);
        }),
        { numRuns: 300 },
      );
    });
  });
});
