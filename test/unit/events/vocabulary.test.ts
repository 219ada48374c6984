import { describe, expect, it } from 'vitest';
import { checkDraft, KNOWN_EVENT_TYPES } from '../../../src/events/index.js';

const H = (c: string) => c.repeat(64);

const REGISTRY = {
  dataset_id: 'ks_demo',
  license: 'CC-BY-4.0',
  sensitivity: 'public',
  policy_labels: ['open'],
};

/** One valid payload per known type: the vocabulary of docs/design.md. */
const VALID_PAYLOADS: Record<string, Record<string, unknown>> = {
  'run.started': {
    stage: 'ingest',
    spec: { source: 'file' },
    spec_hash: H('a'),
    args: { since: null },
    window: { since: '2026-01-01T00:00:00.000Z' },
    dry_run: false,
  },
  'source.discovered': { source_uri: 'file:///a.csv', capabilities: { etag: true } },
  'raw.captured': {
    capture_id: 'c1',
    path: 'r1/a.csv',
    sha256: H('1'),
    bytes: 10,
    source_uri: 'file:///a.csv',
  },
  'raw.manifest.written': { path: 'r1/manifest.json', sha256: H('2') },
  'work.artifact.written': { path: 'r1/a.parquet', sha256: H('3'), bytes: 0, derived_from: ['r1/a.csv'] },
  'transform.applied': {
    name: 'generalize',
    params: { precision_deg: 0.1 },
    inputs: ['a'],
    outputs: ['b'],
    summary: {},
  },
  'validation.reported': { passed: true, checks: [{ name: 'schema', passed: true }] },
  'promotion.denied': { reasons: [{ code: 'LICENSE_MISSING', message: 'no licence' }] },
  'version.published': {
    version_id: 'v0123456789abcdef',
    content_hash: H('4'),
    artifacts: [{ path: 'a.csv', sha256: H('5'), bytes: 3 }],
    supersedes: null,
    registry: REGISTRY,
  },
  'version.reused': { version_id: 'v0123456789abcdef', content_hash: H('4'), registry: REGISTRY },
  'catalog.emitted': { kind: 'dcat', path: 'catalog/dcat.json', sha256: H('6') },
  'run.completed': { status: 'failed', error: { code: 'UPSTREAM_FAILED', message: '503' } },
  'backfill.window.completed': {
    window: { since: '2026-01-01T00:00:00.000Z', until: '2026-02-01T00:00:00.000Z' },
    child_run_id: 'run_2026-01',
    files: 1,
    rows: 2,
    sha256: H('7'),
  },
};

function draft(patch: Record<string, unknown> = {}) {
  return {
    type: 'x.site.note',
    dataset_id: 'ks_demo',
    run_id: '01J9ZQ8W6Y4H3V2T1S0R9Q8P7N',
    payload: { note: 'hello' },
    ...patch,
  };
}

function issuePaths(value: unknown): string[] {
  const checked = checkDraft(value);
  if (checked.ok) return expect.fail('expected the draft to be refused');
  return checked.issues.map((issue) => issue.path);
}

describe('checkDraft', () => {
  describe('dataset_id', () => {
    it.each(['ks_demo', 'a', 'a1_b2', `a${'b'.repeat(63)}`])('accepts %j', (dataset_id) => {
      expect(checkDraft(draft({ dataset_id })).ok).toBe(true);
    });

    it.each([
      ['a path', '../x'],
      ['upper case', 'A'],
      ['a leading digit', '1a'],
      ['the empty string', ''],
      ['a dash', 'ks-demo'],
      ['a slash', 'ks/demo'],
      ['more than 64 characters', `a${'b'.repeat(64)}`],
    ])('refuses %s (%j)', (_what, dataset_id) => {
      expect(issuePaths(draft({ dataset_id }))).toEqual(['dataset_id']);
    });
  });

  describe('run_id', () => {
    it.each([
      ['a ULID', '01J9ZQ8W6Y4H3V2T1S0R9Q8P7N'],
      ['the seed style', 'run_2026-02-16T00:00:00Z'],
    ])('accepts %s', (_what, run_id) => {
      expect(checkDraft(draft({ run_id })).ok).toBe(true);
    });

    it.each([
      ['a path', '../x'],
      ['a hidden name', '.hidden'],
      ['the empty string', ''],
      ['a slash', 'a/b'],
      ['a space', 'a b'],
    ])('refuses %s (%j)', (_what, run_id) => {
      expect(issuePaths(draft({ run_id }))).toEqual(['run_id']);
    });
  });

  describe('known types', () => {
    it('has a valid sample for every type of the vocabulary', () => {
      expect(Object.keys(VALID_PAYLOADS).sort()).toEqual([...KNOWN_EVENT_TYPES].sort());
    });

    it.each(Object.entries(VALID_PAYLOADS))('accepts a valid %s payload unchanged', (type, payload) => {
      const checked = checkDraft(draft({ type, payload }));
      expect(checked.ok).toBe(true);
      if (checked.ok) expect(checked.draft.payload).toEqual(payload);
    });

    it.each(Object.entries(VALID_PAYLOADS))('refuses an unknown field in a %s payload', (type, payload) => {
      expect(issuePaths(draft({ type, payload: { ...payload, surplus: 1 } }))).toEqual(['payload']);
    });

    it('refuses a misspelt field instead of dropping it', () => {
      const { bytes, ...rest } = VALID_PAYLOADS['raw.captured']!;
      const paths = issuePaths(draft({ type: 'raw.captured', payload: { ...rest, byte: bytes } }));
      expect(paths).toContain('payload.bytes');
      expect(paths).toContain('payload');
    });

    it('refuses a field of the wrong type, naming it', () => {
      const payload = { ...VALID_PAYLOADS['raw.captured']!, bytes: -1 };
      expect(issuePaths(draft({ type: 'raw.captured', payload }))).toEqual(['payload.bytes']);
    });

    it('refuses a missing required field', () => {
      expect(issuePaths(draft({ type: 'run.completed', payload: {} }))).toEqual(['payload.status']);
    });
  });

  describe('extension types', () => {
    it.each(['x.site.note', 'x.ks_dot.well_log', 'x.a.b.c'])('accepts %j with any JSON object', (type) => {
      const payload = { nested: { list: [1, 'two', null, { deep: true }] }, n: -1.5, s: 'é' };
      const checked = checkDraft(draft({ type, payload }));
      expect(checked.ok).toBe(true);
      if (checked.ok) expect(checked.draft.payload).toEqual(payload);
    });

    it('accepts an empty object payload', () => {
      expect(checkDraft(draft({ payload: {} })).ok).toBe(true);
    });

    it.each([
      ['an array', [1]],
      ['null', null],
      ['a string', 'note'],
    ])('refuses %s as payload', (_what, payload) => {
      expect(issuePaths(draft({ payload }))).toEqual(['payload']);
    });

    it.each(['x.', 'x.A.b', 'x.ns', 'x.ns.', 'x..b', 'x.ns.Name', 'x.1a.b', 'y.ns.name'])(
      'refuses the malformed type %j',
      (type) => {
        expect(issuePaths(draft({ type }))).toEqual(['type']);
      },
    );
  });

  describe('unknown types', () => {
    it.each(['raw.deleted', 'run', '', 'Run.started'])('refuses %j', (type) => {
      expect(issuePaths(draft({ type }))).toEqual(['type']);
    });
  });

  describe('the draft itself', () => {
    it('refuses a field the ledger assigns (seq)', () => {
      expect(issuePaths(draft({ seq: 1 }))).toEqual(['']);
    });

    it('refuses a draft that is not an object', () => {
      expect(checkDraft('x.site.note').ok).toBe(false);
      expect(checkDraft(null).ok).toBe(false);
    });
  });

  describe('when a payload object has an own key "__proto__"', () => {
    // JSON.parse, like the strict reader `kfm append` uses (strict-json.ts), makes "__proto__" an own key.
    const parsed = (payload: string) => JSON.parse(`{"p":${payload}}`).p as Record<string, unknown>;

    it('refuses it at the top of an extension payload rather than dropping it', () => {
      expect(issuePaths(draft({ payload: parsed('{"__proto__":{"a":1},"k":1}') }))).toEqual(['payload']);
    });

    it('refuses it at the top of a free-form field of a known payload rather than dropping it', () => {
      const payload = { ...VALID_PAYLOADS['run.started']!, spec: parsed('{"__proto__":5}') };
      expect(issuePaths(draft({ type: 'run.started', payload }))).toEqual(['payload.spec']);
    });

    it('keeps it deeper down, where nothing copies the object', () => {
      const payload = parsed('{"a":{"__proto__":5}}');
      const checked = checkDraft(draft({ payload }));
      expect(checked.ok).toBe(true);
      if (checked.ok) expect(Object.hasOwn(checked.draft.payload.a as object, '__proto__')).toBe(true);
    });
  });
});
