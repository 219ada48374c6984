import fc from 'fast-check';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { KfmError } from '../../../src/errors.js';
import { canonicalJson } from '../../../src/ledger/pure/canonical-json.js';

// The package stays the reference; the spy only counts who writes the text. Every append hashes one
// envelope through canonicalJson, so plain JSON must be written by its own single pass, never by the
// checked walk and `canonicalize` behind it (src/ledger/pure/canonical-json.ts, "The hot path").
const reference = vi.hoisted(() => ({ calls: 0 }));
vi.mock('canonicalize', async (importOriginal) => {
  const original = (await importOriginal<typeof import('canonicalize')>()).default;
  return {
    default: (value: unknown) => {
      reference.calls++;
      return original(value);
    },
  };
});

beforeEach(() => {
  reference.calls = 0;
});

/** A shape like the envelopes the ledger hashes: nested objects, arrays, every scalar kind. */
const envelope = {
  v: 1,
  seq: 42,
  event_id: '01JB0000000000000000000000',
  type: 'raw.captured',
  dataset_id: 'ks_x',
  recorded_at: '2026-12-02T00:00:00.000Z',
  actor: { tool: 'kfm', tool_version: '0.1.0', connector: 'ks_x' },
  payload: {
    path: 'r/a "quoted" b\\c.csv',
    bytes: 1.5e21,
    seen_before: false,
    tags: ['é', '\u2028', '', [], {}],
    none: null,
    neg: -0.000001,
    yes: true,
  },
  prev_hash: '0'.repeat(64),
};

describe('canonicalJson on plain JSON', () => {
  it('writes an envelope itself, in RFC 8785 form, without the reference package', () => {
    expect(canonicalJson(envelope)).toBe(
      '{"actor":{"connector":"ks_x","tool":"kfm","tool_version":"0.1.0"},"dataset_id":"ks_x",' +
        '"event_id":"01JB0000000000000000000000","payload":{"bytes":1.5e+21,"neg":-0.000001,"none":null,' +
        '"path":"r/a \\"quoted\\" b\\\\c.csv","seen_before":false,"tags":["é","\u2028","",[],{}],"yes":true},' +
        `"prev_hash":"${'0'.repeat(64)}","recorded_at":"2026-12-02T00:00:00.000Z","seq":42,"type":"raw.captured","v":1}`,
    );
    expect(reference.calls).toBe(0);
  });

  it('writes any JSON value itself, surrogate pairs, control characters and prototype-free objects included', () => {
    fc.assert(
      fc.property(fc.jsonValue({ stringUnit: 'grapheme', maxDepth: 4 }), (value) => {
        canonicalJson(value);
        canonicalJson(Object.assign(Object.create(null) as object, { k: value, '\u0001': '\u001f' }));
      }),
      { numRuns: 200 },
    );
    expect(reference.calls).toBe(0);
  });

  it('writes nesting up to its depth limit itself', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 128; i++) deep = i % 2 === 0 ? [deep] : { a: deep };
    expect(canonicalJson(deep)).toBe(`${'{"a":['.repeat(64)}1${']}'.repeat(64)}`);
    expect(reference.calls).toBe(0);
  });

  it('passes text that spells an escaped surrogate to the checked walk and the reference package', () => {
    const bare = Object.assign(Object.create(null) as object, { s: '\\udc00' });
    const value = { b: true, f: false, n: null, x: 1, l: [false, 2], bare, s: '\\ud800' };
    expect(canonicalJson(value)).toBe(
      '{"b":true,"bare":{"s":"\\\\udc00"},"f":false,"l":[false,2],"n":null,"s":"\\\\ud800","x":1}',
    );
    expect(reference.calls).toBe(1);
  });

  it.each([
    ['arrays', (v: unknown) => [v], '[0]'],
    ['objects', (v: unknown) => ({ a: v }), '.a'],
  ])('refuses %s nested one level deeper by the path and the reason', (_kind, wrap, step) => {
    let deep: unknown = 1;
    for (let i = 0; i < 129; i++) deep = wrap(deep);
    expect(() => canonicalJson(deep)).toThrow(
      new KfmError(
        'NON_CANONICAL_VALUE',
        `$${step.repeat(128)} nests deeper than 128 levels (a cycle?); RFC 8785 (JCS) cannot represent it`,
        { details: { path: `$${step.repeat(128)}` } },
      ),
    );
  });
});
