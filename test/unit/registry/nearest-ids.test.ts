import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { didYouMean, nearestIds } from '../../../src/registry/nearest-ids.js';

const id = fc.stringMatching(/^[a-z][a-z_]{5,20}$/);

describe('nearestIds', () => {
  it('suggests an id one typo away: a changed, dropped or swapped letter', () => {
    const ids = ['ks_county_population', 'ks_streamflow_daily', 'ks_mesonet_stations'];
    expect(nearestIds('ks_county_populaton', ids)).toEqual(['ks_county_population']);
    expect(nearestIds('ks_cuonty_population', ids)).toEqual(['ks_county_population']);
    expect(nearestIds('ks_streamflow_dayly', ids)).toEqual(['ks_streamflow_daily']);
  });

  it('suggests nothing far from every id, nor the word itself', () => {
    expect(nearestIds('zzz', ['ks_county_population'])).toEqual([]);
    expect(nearestIds('ks_a', ['ks_a'])).toEqual([]);
    expect(nearestIds('anything', [])).toEqual([]);
  });

  it('keeps every id at the best distance, sorted, once', () => {
    expect(nearestIds('ds_b', ['ds_c', 'ds_a', 'ds_a', 'other_name'])).toEqual(['ds_a', 'ds_c']);
  });

  it('always suggests a candidate that differs from the word in one letter', () => {
    fc.assert(
      fc.property(id, fc.nat(), fc.array(id, { maxLength: 5 }), (word, at, others) => {
        const i = at % word.length;
        const typo = `${word.slice(0, i)}${word[i] === 'q' ? 'x' : 'q'}${word.slice(i + 1)}`;
        expect(nearestIds(typo, [...others, word])).toContain(word);
      }),
    );
  });
});

describe('didYouMean', () => {
  it('is empty without suggestions and names each one otherwise', () => {
    expect(didYouMean([])).toBe('');
    expect(didYouMean(['a_b', 'a_c'])).toBe(' (did you mean a_b or a_c?)');
  });
});
