import { KfmError } from '../errors.js';
import { redactUrl } from '../upstream/redact-url.js';
import type { AcquireContext, CapturedSource, SourceRef } from './define-connector.js';

export interface PagingOptions {
  /** The raw file name of page `page` (1-based); page 1 keeps the discovered source's name. */
  name(page: number): string;
  /** A guard against an upstream whose next links never end. */
  maxPages?: number;
}

export const DEFAULT_MAX_PAGES = 10_000;

/**
 * Captures a paged answer: each page is its own raw file (the upstream's exact bytes), and the next
 * page is the one the upstream names in `Link: <…>; rel="next"` (RFC 8288), resolved against the
 * page that named it. A next link to another origin is refused: a connector captures what its
 * registry names, and credentials meant for one host must never be sent to another.
 */
export async function capturePages(
  context: AcquireContext,
  first: SourceRef,
  options: PagingOptions,
): Promise<CapturedSource[]> {
  const maxPages = options.maxPages ?? DEFAULT_MAX_PAGES;
  const pages: CapturedSource[] = [];
  let source = first;
  for (let page = 1; ; page++) {
    const captured = await context.capture(source);
    pages.push(captured);
    const next = nextLink(captured.headers.link, source.uri);
    if (next === null) return pages;
    if (new URL(next).origin !== new URL(source.uri).origin) {
      throw new KfmError(
        'UPSTREAM_FAILED',
        `${redactUrl(source.uri)}: its next page is on another origin (${redactUrl(next)}); refusing to follow`,
      );
    }
    if (page >= maxPages) {
      throw new KfmError(
        'UPSTREAM_FAILED',
        `${redactUrl(first.uri)}: still paging after ${maxPages} pages; the upstream's next links do not end`,
      );
    }
    source = { uri: next, name: options.name(page + 1) };
  }
}

/**
 * The target of the `rel="next"` link in a Link header (RFC 8288 §3), absolute, or null. Relation
 * types are case-insensitive and a link may carry several (`rel="next last"`).
 */
export function nextLink(header: string | undefined, base: string): string | null {
  if (header === undefined) return null;
  for (const match of header.matchAll(/<([^>]*)>((?:\s*;\s*[^;,]+)*)/g)) {
    const params = match[2] ?? '';
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(params);
    const relations = (rel?.[1] ?? rel?.[2] ?? '').toLowerCase().split(/\s+/);
    if (relations.includes('next')) return new URL(match[1]!, base).href;
  }
  return null;
}
