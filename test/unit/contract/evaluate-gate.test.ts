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

describe('evaluateGate, each denial as recorded in promotion.denied', () => {
  const only = (overrides: Partial<GateInput>) => {
    const reasons = gate(overrides);
    expect(reasons).toHaveLength(1);
    return reasons[0];
  };

  it('says where the missing registry entry belongs', () => {
    expect(only({ entry: null })).toEqual({
      code: 'REGISTRY_MISSING',
      message: 'the dataset has no registry entry (data/registry/<dataset_id>.yml)',
    });
  });

  it('names the registry field, what is missing and the fix', () => {
    expect(only({ entry: { ...complete, license: undefined } as unknown as DatasetEntry })).toEqual({
      code: 'LICENSE_MISSING',
      message: 'registry license: no licence is declared; add license: <SPDX id>, e.g. CC-BY-4.0',
    });
  });

  it('asks for a validation when the run has none, without reading a first event of an empty run', () => {
    const missing = {
      code: 'VALIDATION_MISSING',
      message: 'the run was never validated: run kfm validate first',
    };
    expect(only({ events: [] })).toEqual(missing);
    expect(
      only({
        events: ledgerEvents('ks_x', [
          ['r', 'run.started', started('ingest')],
          ['r', 'run.completed', { status: 'succeeded' }],
        ]),
      }),
    ).toEqual(missing);
  });

  it('names the seq of the change and of the stale validation, for a work artifact as for a transform', () => {
    const rewritten = validatedRun(true).concat(
      ledgerEvents(
        'ks_x',
        stageOf('transform', [
          'r',
          'work.artifact.written',
          { path: 'runs/r/artifacts/a.geojson', sha256: H('1'), bytes: 3, derived_from: [] },
        ]),
      ).map((e, i) => ({ ...e, seq: 100 + i })),
    );
    expect(only({ events: rewritten })).toEqual({
      code: 'VALIDATION_MISSING',
      message: 'outputs changed at seq 101, after the validation at seq 5: validate again',
    });
  });

  it('points a failed validation to its report', () => {
    expect(only({ events: validatedRun(false) })).toEqual({
      code: 'VALIDATION_FAILED',
      message: 'the validation at seq 5 failed; see validation_report.json',
    });
  });

  it('quotes a history finding with its seq', () => {
    const forged = [
      ...validatedRun(false),
      ...validatedRun(true)
        .filter((e) => e.type === 'validation.reported')
        .map((e) => ({ ...e, seq: 99 })),
    ];
    expect(only({ events: forged })).toEqual({
      code: 'EVENT_OUTSIDE_STAGE',
      message:
        'seq 99: validation.reported of run r lies outside any stage of the run (no run.started open): the runtime never records it there',
    });
  });

  it('names the artifact no validation read', () => {
    expect(only({ outputs: [{ path: 'r/a.geojson', expected: H('2'), found: H('2') }] })).toEqual({
      code: 'VERSION_CONTENT_UNVALIDATED',
      message: `the version to publish: artifact sha256 ${H('2')} is not among the 1 output(s) its validation passed over`,
    });
  });

  it('lists every changed receipt, raw file and output with both digests, comma-separated', () => {
    const two = [
      { path: 'a.json', expected: H('a'), found: H('b') },
      { path: 'b.json', expected: H('c'), found: null },
    ];
    const listed = `a.json (expected sha256 ${H('a')}, found sha256 ${H('b')}), b.json (expected sha256 ${H('c')}, found no file)`;
    expect(only({ receipts: two })).toEqual({
      code: 'RECEIPT_INVALID',
      message: `receipt(s) missing or not equal to their projection from the ledger: ${listed}`,
    });
    expect(only({ raw: two })).toEqual({
      code: 'RAW_CHECKSUM_MISMATCH',
      message: `raw file(s) changed or missing since capture: ${listed}`,
    });
    expect(only({ outputs: [{ path: 'r/a.geojson', expected: H('1'), found: H('b') }] })).toEqual({
      code: 'ARTIFACT_CHECKSUM_MISSING',
      message: `output(s) missing or not matching their recorded sha256: r/a.geojson (expected sha256 ${H('1')}, found sha256 ${H('b')})`,
    });
  });

  it('denies a run with no outputs at all', () => {
    expect(gate({ outputs: [] })).toContainEqual({
      code: 'ARTIFACT_CHECKSUM_MISSING',
      message: 'the run has no outputs to publish',
    });
  });

  it('quotes the first three schema errors of an invalid catalog, the root as /', () => {
    const errors = [
      { path: '', message: 'must have required property title' },
      { path: '/bbox', message: 'must be array' },
      { path: '/links/0', message: 'must be object' },
      { path: '/id', message: 'must be string' },
    ];
    expect(only({ catalogs: [{ kind: 'stac', valid: false, errors }] })).toEqual({
      code: 'CATALOG_INVALID',
      message:
        'the stac catalog does not validate against its schema: / must have required property title; /bbox must be array; /links/0 must be object',
    });
  });

  describe('for a sensitive-location dataset', () => {
    const sensitive: DatasetEntry = {
      ...complete,
      sensitivity: 'sensitive-location',
      generalization: { precision_deg: 0.1 },
    };
    const transform = (name: string): Draft => [
      'r',
      'transform.applied',
      { name, params: {}, inputs: [], outputs: ['runs/r/artifacts/a.geojson'], summary: {} },
    ];
    const generalized = [{ type: 'Point', coordinates: [-98.1, 38.2] }];
    const askedForTransform = {
      code: 'REDACTION_REQUIRED',
      message:
        'a sensitive-location dataset must be generalized by a recorded transform before promotion (run kfm transform)',
    };

    it('asks for a generalizing transform when none is recorded, however coarse the geometry', () => {
      expect(gate({ entry: sensitive, geometries: generalized })).toEqual([askedForTransform]);
    });

    it('does not take another transform for a generalization', () => {
      const events = validatedRun(true, [transform('reproject_crs')]);
      expect(gate({ entry: sensitive, events, geometries: generalized })).toEqual([askedForTransform]);
    });

    it('accepts either spelling of generalize in the transform name', () => {
      const events = validatedRun(true, [transform('generalise_sites')]);
      expect(gate({ entry: sensitive, events, geometries: generalized })).toEqual([]);
    });

    it('counts the geometries that are too fine, in the plural', () => {
      const events = validatedRun(true, [generalizeEvent]);
      const fine = [
        { type: 'Point', coordinates: [-98.12, 38.2] },
        { type: 'Point', coordinates: [-98.1, 38.25] },
      ];
      expect(gate({ entry: sensitive, events, geometries: fine })).toEqual([
        { code: 'REDACTION_REQUIRED', message: '2 geometries have coordinates finer than 0.1°' },
      ]);
    });

    it('denies once, from the registry, when the precision is not declared', () => {
      const { generalization: _, ...undeclared } = sensitive;
      expect(gate({ entry: undeclared })).toEqual([
        {
          code: 'REDACTION_REQUIRED',
          message:
            'registry generalization: a sensitive-location dataset declares no generalization precision; add generalization: {precision_deg: 0.1} (or coarser)',
        },
      ]);
    });
  });

  it('lists the outputs of an aggregate-only dataset that no aggregate transform wrote', () => {
    const written = (path: string, c: string): Draft => [
      'r',
      'work.artifact.written',
      { path, sha256: H(c), bytes: 3, derived_from: ['r/a.geojson'] },
    ];
    const events = validatedRun(true, [
      written('runs/r/artifacts/a.csv', '3'),
      written('runs/r/artifacts/b.csv', '4'),
      [
        'r',
        'transform.applied',
        {
          name: 'generalize_geometry',
          params: {},
          inputs: [],
          outputs: ['runs/r/artifacts/a.csv', 'runs/r/artifacts/b.csv'],
          summary: {},
        },
      ],
    ]);
    const outputs = [
      { path: 'runs/r/artifacts/a.csv', expected: H('3'), found: H('3') },
      { path: 'runs/r/artifacts/b.csv', expected: H('4'), found: H('4') },
    ];
    expect(gate({ entry: { ...complete, sensitivity: 'aggregate-only' }, events, outputs })).toEqual([
      {
        code: 'AGGREGATE_REQUIRED',
        message:
          'an aggregate-only dataset may publish only outputs of an aggregate transform; not: runs/r/artifacts/a.csv, runs/r/artifacts/b.csv',
      },
    ]);
  });
});
