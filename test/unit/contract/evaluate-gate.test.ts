import { describe, expect, it } from 'vitest';
import { evaluateGate, type GateInput } from '../../../src/contract/promotion/evaluate-gate.js';
import type { DatasetEntry } from '../../../src/registry/dataset-entry.js';
import { H, ledgerEvents, started } from '../../support/ledger-events.js';

const complete: DatasetEntry = {
  dataset_id: 'ks_x',
  title: 'X',
  description: 'X data',
  publisher: 'KFM',
  contact_point: { fn: 'KFM', hasEmail: 'mailto:kfm@example.org' },
  license: 'CC0-1.0',
  sensitivity: 'public',
  policy_labels: ['open'],
  spatial: true,
  keywords: ['x'],
};

type Draft = [string, string, Record<string, unknown>];
const stageOf = (name: string, ...body: Draft[]): Draft[] => [
  ['r', 'run.started', started(name)],
  ...body,
  ['r', 'run.completed', { status: 'succeeded' }],
];

/** ingest → transform (`extra`, if any) → validate, as the stage runtime records them. */
const validatedRun = (passed = true, extra: Draft[] = [], checksPassed = passed) =>
  ledgerEvents('ks_x', [
    ...stageOf('ingest', [
      'r',
      'raw.captured',
      { capture_id: 'r', path: 'r/a.geojson', sha256: H('1'), bytes: 3, source_uri: 'file:///a' },
    ]),
    ...(extra.length === 0 ? [] : stageOf('transform', ...extra)),
    ['r', 'run.started', started('validate')],
    ['r', 'validation.reported', { passed, checks: [{ name: 'schema', passed: checksPassed }] }],
    [
      'r',
      'run.completed',
      passed
        ? { status: 'succeeded' }
        : { status: 'failed', error: { code: 'VALIDATION_FAILED', message: 'x' } },
    ],
  ]);

function gate(overrides: Partial<GateInput> = {}) {
  return evaluateGate({
    entry: complete,
    events: validatedRun(),
    raw: [{ path: 'r/a.geojson', expected: H('1'), found: H('1') }],
    outputs: [{ path: 'r/a.geojson', expected: H('1'), found: H('1') }],
    receipts: [{ path: 'run_record.json', expected: 'x', found: 'x' }],
    catalogs: [{ kind: 'dcat', valid: true, errors: [] }],
    geometries: [{ type: 'Point', coordinates: [-98.123456, 38.1] }],
    ...overrides,
  });
}

const codes = (overrides: Partial<GateInput>) => gate(overrides).map((r) => r.code);
const generalizeEvent: Draft = [
  'r',
  'transform.applied',
  {
    name: 'generalize_geometry',
    params: {},
    inputs: [],
    outputs: ['runs/r/artifacts/a.geojson'],
    summary: {},
  },
];

describe('evaluateGate', () => {
  it('passes a complete, validated, untouched public run', () => {
    expect(gate()).toEqual([]);
  });

  describe('trips exactly one rule per failure', () => {
    it.each<[string, Partial<GateInput>]>([
      ['REGISTRY_MISSING', { entry: null }],
      ['LICENSE_MISSING', { entry: { ...complete, license: undefined } as unknown as DatasetEntry }],
      ['SENSITIVITY_MISSING', { entry: { ...complete, sensitivity: undefined } as unknown as DatasetEntry }],
      ['POLICY_LABELS_MISSING', { entry: { ...complete, policy_labels: [] } }],
      ['RAW_CHECKSUM_MISMATCH', { raw: [{ path: 'r/a.geojson', expected: H('1'), found: H('2') }] }],
      [
        'VALIDATION_MISSING',
        {
          events: ledgerEvents('ks_x', [
            ['r', 'run.started', started('ingest')],
            ['r', 'run.completed', { status: 'succeeded' }],
          ]),
        },
      ],
      ['VALIDATION_FAILED', { events: validatedRun(false) }],
      ['RECEIPT_INVALID', { receipts: [{ path: 'run_record.json', expected: 'x', found: null }] }],
      ['ARTIFACT_CHECKSUM_MISSING', { outputs: [{ path: 'r/a.geojson', expected: H('1'), found: null }] }],
      [
        'CATALOG_INVALID',
        { catalogs: [{ kind: 'stac', valid: false, errors: [{ path: '/bbox', message: 'must be array' }] }] },
      ],
      [
        'REDACTION_REQUIRED',
        { entry: { ...complete, sensitivity: 'sensitive-location', generalization: { precision_deg: 0.1 } } },
      ],
      ['AGGREGATE_REQUIRED', { entry: { ...complete, sensitivity: 'aggregate-only' } }],
      [
        'EVENT_OUTSIDE_STAGE',
        {
          // A passed validation appended after the failed validate stage had completed.
          events: [
            ...validatedRun(false),
            ...validatedRun(true)
              .filter((e) => e.type === 'validation.reported')
              .map((e) => ({ ...e, seq: 99 })),
          ],
        },
      ],
      ['VALIDATION_INCONSISTENT', { events: validatedRun(true, [], false) }],
      [
        'VERSION_CONTENT_UNVALIDATED',
        { outputs: [{ path: 'r/a.geojson', expected: H('2'), found: H('2') }] },
      ],
    ])('%s', (code, overrides) => {
      expect(codes(overrides)).toEqual([code]);
    });
  });

  it('reports every failure at once', () => {
    expect(
      codes({
        entry: { ...complete, license: undefined, policy_labels: undefined } as unknown as DatasetEntry,
        raw: [{ path: 'a', expected: H('1'), found: null }],
        events: validatedRun(false),
      }),
    ).toEqual(['LICENSE_MISSING', 'POLICY_LABELS_MISSING', 'RAW_CHECKSUM_MISMATCH', 'VALIDATION_FAILED']);
  });

  it('names each changed file with its expected and found sha256, so the denial is evidence', () => {
    const [rawReason, receiptReason] = gate({
      receipts: [{ path: 'run_record.json', expected: H('a'), found: H('b') }],
      raw: [{ path: 'ks_x/r/a.csv', expected: H('c'), found: null }],
    });
    expect(rawReason).toEqual({
      code: 'RAW_CHECKSUM_MISMATCH',
      message: `raw file(s) changed or missing since capture: ks_x/r/a.csv (expected sha256 ${H('c')}, found no file)`,
    });
    expect(receiptReason?.code).toBe('RECEIPT_INVALID');
    expect(receiptReason?.message).toContain(
      `run_record.json (expected sha256 ${H('a')}, found sha256 ${H('b')})`,
    );
  });

  it('treats a validation older than the last transform as missing', () => {
    const events = validatedRun(true).concat(
      ledgerEvents('ks_x', stageOf('transform', generalizeEvent)).map((e, i) => ({ ...e, seq: 100 + i })),
    );
    expect(codes({ events })).toEqual(['VALIDATION_MISSING']);
  });

  describe('for a sensitive-location dataset', () => {
    const sensitive: DatasetEntry = {
      ...complete,
      sensitivity: 'sensitive-location',
      generalization: { precision_deg: 0.1 },
    };

    it('promotes generalized geometry recorded by a transform', () => {
      const events = validatedRun(true, [generalizeEvent]);
      expect(
        codes({ entry: sensitive, events, geometries: [{ type: 'Point', coordinates: [-98.1, 38.2] }] }),
      ).toEqual([]);
    });

    it('denies any coordinate finer than the precision even after a transform', () => {
      const events = validatedRun(true, [generalizeEvent]);
      const reasons = gate({
        entry: sensitive,
        events,
        geometries: [
          { type: 'Point', coordinates: [-98.1, 38.2] },
          { type: 'Point', coordinates: [-98.12, 38.2] },
        ],
      });
      expect(reasons).toEqual([
        { code: 'REDACTION_REQUIRED', message: '1 geometry has coordinates finer than 0.1°' },
      ]);
    });
  });

  it('promotes an aggregate-only dataset whose outputs all come from an aggregate transform', () => {
    const events = validatedRun(true, [
      [
        'r',
        'transform.applied',
        { name: 'aggregate_by_county', params: {}, inputs: [], outputs: ['r/a.geojson'], summary: {} },
      ],
    ]);
    expect(codes({ entry: { ...complete, sensitivity: 'aggregate-only' }, events })).toEqual([]);
  });
});
