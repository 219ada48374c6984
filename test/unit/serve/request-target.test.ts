import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/serve/api-error.js';
import { parseRequestTarget } from '../../../src/serve/request-target.js';

const codeOf = (raw: string): string => {
  try {
    parseRequestTarget(raw);
    return 'accepted';
  } catch (error) {
    return (error as ApiError).code;
  }
};

const V = '/datasets/ks_x/versions/v0123456789abcdef/artifacts';

describe('parseRequestTarget', () => {
  it('decodes segments and keeps the raw path and query apart', () => {
    expect(parseRequestTarget('/datasets/ks_x?verify=1')).toMatchObject({
      segments: ['datasets', 'ks_x'],
      path: '/datasets/ks_x',
    });
    expect(parseRequestTarget('/healthz?verify=1').query.get('verify')).toBe('1');
    expect(parseRequestTarget('/').segments).toEqual([]);
    expect(parseRequestTarget(`${V}/sites%20v2.geojson`).segments.at(-1)).toBe('sites v2.geojson');
  });

  describe('when the path tries to leave the served names', () => {
    it.each([
      [`${V}/..%2f..%2fraw%2fks_x%2frun%2fsites.geojson`, 'encoded slash'],
      [`${V}/..%2F..%2Fwork`, 'encoded slash, upper case'],
      [`${V}/%2e%2e/%2e%2e/raw`, 'encoded dots'],
      [`${V}/%2E%2E`, 'encoded dots, upper case'],
      [`${V}/.%2e`, 'half-encoded dots'],
      [`${V}/%252e%252e%252fraw`, 'double-encoded'],
      [`${V}/%25%32%65`, 'double-encoded, spelt out'],
      [`${V}/..%5c..%5craw`, 'encoded backslash'],
      [`${V}/..\\..\\raw`, 'backslash'],
      [`${V}/../../../raw/ks_x`, 'dot-dot segments'],
      ['/datasets/./ks_x', 'dot segment'],
      ['//etc/passwd', 'empty segment'],
      ['/datasets//ks_x', 'empty segment inside'],
      [`${V}/sites.geojson%00.txt`, 'NUL'],
      [`${V}/sites%0a.geojson`, 'newline'],
      [`${V}/sites.geojson#x`, 'fragment'],
    ])('refuses %s (%s) with PATH_REFUSED', (raw) => {
      expect(codeOf(raw)).toBe('PATH_REFUSED');
    });
  });

  it('refuses targets that are not origin-form, too long or badly escaped', () => {
    expect(codeOf('http://example.org/datasets')).toBe('BAD_REQUEST');
    expect(codeOf('*')).toBe('BAD_REQUEST');
    expect(codeOf(`/datasets/${'a'.repeat(3000)}`)).toBe('URI_TOO_LONG');
    expect(codeOf('/datasets/%zz')).toBe('BAD_REQUEST');
    expect(codeOf('/datasets/%c3%28')).toBe('BAD_REQUEST');
  });

  it('says why only in the refusal reason, never in the message sent to the client', () => {
    const refusal = (() => {
      try {
        parseRequestTarget(`${V}/..%2fsecret`);
      } catch (error) {
        return error;
      }
      return expect.fail('expected parseRequestTarget to refuse ..%2f');
    })();
    expect(refusal).toBeInstanceOf(ApiError);
    expect(refusal).toMatchObject({ code: 'PATH_REFUSED', reason: 'escape %2f' });
    expect((refusal as ApiError).message).not.toContain('secret');
  });
});
