import { describe, expect, it } from 'vitest';
import type { AcquireContext, CapturedSource, SourceRef } from '../../../src/contract/define-connector.js';
import { capturePages, nextLink } from '../../../src/contract/paging.js';

describe('nextLink (RFC 8288)', () => {
  const base = 'http://up.test/readings?start=a&end=b';

  it('resolves the rel="next" target against the page that named it', () => {
    expect(nextLink('</readings?start=a&end=b&page=2>; rel="next"', base)).toBe(
      'http://up.test/readings?start=a&end=b&page=2',
    );
    expect(nextLink('<p3>; rel=next', 'http://up.test/x/p2')).toBe('http://up.test/x/p3');
  });

  it('finds next among several links and relation types, case-insensitively', () => {
    expect(nextLink('</first>; rel="first", </n>; rel="NEXT last"', base)).toBe('http://up.test/n');
  });

  it('returns null without a next link', () => {
    expect(nextLink(undefined, base)).toBeNull();
    expect(nextLink('</prev>; rel="prev"', base)).toBeNull();
  });
});

/** An acquire context whose upstream has `pages` pages, each pointing at the next with `link(i)`. */
function pagedContext(pages: number, link: (next: number) => string) {
  const captured: SourceRef[] = [];
  const context: AcquireContext = {
    upstream_uri: 'http://up.test',
    config: {},
    window: {},
    capture: async (source): Promise<CapturedSource> => {
      captured.push(source);
      const page = captured.length;
      return {
        path: `run/${source.name}`,
        sha256: 'a'.repeat(64),
        bytes: 1,
        seen_before: false,
        headers: page < pages ? { link: link(page + 1) } : {},
      };
    },
  };
  return { context, captured };
}

describe('capturePages', () => {
  const first = { uri: 'http://up.test/r?page=1', name: 'p1.csv' };

  it('captures every page as its own file, named by the connector', async () => {
    const { context, captured } = pagedContext(3, (n) => `</r?page=${n}>; rel="next"`);
    const pages = await capturePages(context, first, { name: (n) => `p${n}.csv` });
    expect(pages).toHaveLength(3);
    expect(captured).toEqual([
      first,
      { uri: 'http://up.test/r?page=2', name: 'p2.csv' },
      { uri: 'http://up.test/r?page=3', name: 'p3.csv' },
    ]);
  });

  it('refuses a next page on another origin (credentials stay with their host)', async () => {
    const { context } = pagedContext(3, () => '<http://elsewhere.test/r?page=2>; rel="next"');
    await expect(capturePages(context, first, { name: (n) => `p${n}.csv` })).rejects.toMatchObject({
      code: 'UPSTREAM_FAILED',
    });
  });

  it('stops an upstream whose next links never end', async () => {
    const { context, captured } = pagedContext(Number.POSITIVE_INFINITY, (n) => `</r?page=${n}>; rel="next"`);
    await expect(capturePages(context, first, { name: (n) => `p${n}.csv`, maxPages: 5 })).rejects.toThrow(
      /still paging after 5 pages/,
    );
    expect(captured).toHaveLength(5);
  });
});
