import deprecatedIds from 'spdx-license-ids/deprecated.json' with { type: 'json' };
import { describe, expect, it } from 'vitest';
import { checkSpdxLicense, isSpdxLicenseId, suggestLicense } from '../../../src/registry/spdx.js';

describe('checkSpdxLicense', () => {
  it('refuses every deprecated id, and every replacement it names is a current id', () => {
    for (const id of deprecatedIds) {
      const check = checkSpdxLicense(id);
      expect(check.ok).toBe(false);
      for (const replacement of check.ok ? [] : check.replacements) {
        expect(isSpdxLicenseId(replacement), `${id} → ${replacement}`).toBe(true);
      }
    }
  });

  it('names both GNU successors of a retired GNU id', () => {
    expect(checkSpdxLicense('AGPL-3.0')).toMatchObject({
      replacements: ['AGPL-3.0-only', 'AGPL-3.0-or-later'],
    });
  });

  it('names no single id for a retired licence-with-exception id, which SPDX now writes as an expression', () => {
    expect(checkSpdxLicense('GPL-2.0-with-GCC-exception')).toMatchObject({ replacements: [] });
  });
});

describe('suggestLicense', () => {
  it.each([
    ['Apache2', 'Apache-2.0'],
    ['apache license 2.0', 'Apache-2.0'],
    ['MIT License', 'MIT'],
    ['GPLv3', 'GPL-3.0-only'],
    ['CC BY 4.0', 'CC-BY-4.0'],
  ])('suggests %s → %s', (input, expected) => {
    expect(suggestLicense(input)).toBe(expected);
  });

  it('suggests nothing rather than a far-fetched id', () => {
    expect(suggestLicense('proprietary, all rights reserved')).toBeUndefined();
  });
});
