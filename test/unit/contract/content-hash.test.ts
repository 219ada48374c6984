import { describe, expect, it } from 'vitest';
import { contentHash, versionIdOf } from '../../../src/contract/promotion/content-hash.js';
import { nobleSha256Hex } from '../../../src/ledger/pure/event-hash.js';
import { specHash } from '../../../src/ledger/pure/spec-hash.js';

// Known answers computed outside this code base with coreutils, from the JCS text written by hand:
//   printf '%s' '{"artifacts":[{"bytes":3,"path":"a.csv","sha256":"bb…b"},{"bytes":10,"path":"b/c.csv","sha256":"aa…a"}],"dataset_id":"ks_x"}' | sha256sum
//   printf '%s' '{"a":[true,null],"b":{"c":"é"}}' | sha256sum
const CONTENT_HASH = 'a66b5bd55959bbcc5b2f9cc14de73308fab0ec247c0275486898212053ac7a06';
const SPEC_HASH = '6e035ae6c5b74d490d548914b4dccb839cbb42da027c55cca013fa442006c8ec';

describe('contentHash', () => {
  it('hashes the dataset id and the artifacts sorted by path, with only path, sha256 and bytes', () => {
    const artifacts = [
      { path: 'b/c.csv', sha256: 'a'.repeat(64), bytes: 10, media_type: 'text/csv' },
      { path: 'a.csv', sha256: 'b'.repeat(64), bytes: 3 },
    ];
    expect(contentHash('ks_x', artifacts, nobleSha256Hex)).toBe(CONTENT_HASH);
    expect(contentHash('ks_x', [...artifacts].reverse(), nobleSha256Hex)).toBe(CONTENT_HASH);
    expect(versionIdOf(CONTENT_HASH)).toBe('va66b5bd55959bbcc');
  });

  it('refuses a size JCS cannot write, naming it under "version"', () => {
    const bad = [{ path: 'a.csv', sha256: 'b'.repeat(64), bytes: Number.NaN }];
    expect(() => contentHash('ks_x', bad, nobleSha256Hex)).toThrow(
      'version.artifacts[0].bytes is NaN; RFC 8785 (JCS) cannot represent it',
    );
  });
});

describe('specHash', () => {
  it('is sha256 of the spec in RFC 8785 form', () => {
    expect(specHash({ b: { c: 'é' }, a: [true, null] }, nobleSha256Hex)).toBe(SPEC_HASH);
  });

  it('refuses a spec JCS cannot write, naming the field under "spec"', () => {
    expect(() => specHash({ limit: Number.POSITIVE_INFINITY }, nobleSha256Hex)).toThrow(
      'spec.limit is Infinity; RFC 8785 (JCS) cannot represent it',
    );
  });
});
