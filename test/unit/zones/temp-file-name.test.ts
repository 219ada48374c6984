import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isTempFileName, tempFileName } from '../../../src/zones/atomic-write.js';

// verify --deep tells a crash leftover (TEMP_FILE_LEFT) from a stray file by its name alone, so the
// name the atomic writer gives its temp files and the test verify applies must agree.

const fileName = fc.string({ minLength: 1, maxLength: 255 }).filter((s) => !s.includes('/'));

describe('tempFileName / isTempFileName', () => {
  it('recognises every temp name the writer makes, whatever the target name', () => {
    fc.assert(
      fc.property(fileName, (name) => {
        expect(isTempFileName(tempFileName(name))).toBe(true);
      }),
    );
  });

  it('cuts a long target name to 120 characters, so the temp name stays under NAME_MAX', () => {
    expect(tempFileName('a'.repeat(255), '0123456789ab')).toBe(`.${'a'.repeat(120)}.0123456789ab.tmp`);
  });

  it.each([
    ['a data file', 'stations.geojson'],
    ['a hidden file', '.stations.geojson'],
    ['a .tmp file of another tool', 'stations.tmp'],
    ['a suffix too short to be the writer’s', '.stations.0123.tmp'],
    ['upper-case hex', '.stations.0123456789AB.tmp'],
    ['no name before the suffix', '..0123456789ab.tmp'],
  ])('does not take %s for a temp file', (_, name) => {
    expect(isTempFileName(name)).toBe(false);
  });
});
