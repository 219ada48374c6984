import { canonicalJson } from '../../../src/ledger/pure/canonical-json.js';
import type { LedgerEvent } from '../../../src/projections/ledger-event.js';
import { projectRunEvent, type RunHistory } from '../../../src/projections/openlineage.js';

/**
 * A small hand-built ledger for the OpenLineage projection tests: every field fixed (ids, times,
 * hashes), so its projection has one right answer byte for byte. R1 ingests, validates and is
 * denied at promotion; BF backfills one window through the child run CH.
 */
export const R1 = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
export const BF = 'bf-2026-01';
export const CH = 'bf-2026-01.w1';
const DS = 'ks_demo';
const H = (n: number) => n.toString(16).padStart(2, '0').repeat(32);
const WINDOW = { since: '2026-01-01T00:00:00.000Z', until: '2026-01-02T00:00:00.000Z' };
const started = (stage: string, extra: Record<string, unknown> = {}) => ({
  stage,
  spec: { stage },
  spec_hash: H(200),
  args: {},
  dry_run: false,
  ...extra,
});

const DRAFTS: [string, string, Record<string, unknown>][] = [
  [R1, 'run.started', started('ingest')],
  [R1, 'source.discovered', { source_uri: 'https://example.org/data/a.csv?page=1', capabilities: {} }],
  [
    R1,
    'raw.captured',
    {
      capture_id: R1,
      path: `${R1}/a.csv`,
      sha256: H(1),
      bytes: 10,
      source_uri: 'https://example.org/data/a.csv?page=1',
      media_type: 'text/csv',
    },
  ],
  [R1, 'run.completed', { status: 'succeeded' }],
  [R1, 'run.started', started('validate')],
  [
    R1,
    'validation.reported',
    {
      passed: true,
      outputs: [{ path: `${R1}/a.csv`, sha256: H(1) }],
      checks: [
        { name: 'schema', passed: true },
        { name: 'license_present', passed: true },
      ],
    },
  ],
  [R1, 'run.completed', { status: 'succeeded' }],
  [R1, 'run.started', started('promote')],
  [
    R1,
    'promotion.denied',
    { reasons: [{ code: 'LICENSE_MISSING', message: 'registry license is missing' }] },
  ],
  [R1, 'run.completed', { status: 'denied' }],
  [BF, 'run.started', started('backfill', { window: WINDOW })],
  [CH, 'run.started', started('ingest', { window: WINDOW, parent_run_id: BF })],
  [
    CH,
    'raw.captured',
    { capture_id: CH, path: `${CH}/p1.csv`, sha256: H(2), bytes: 5, source_uri: 'file:///srv/gauges.csv' },
  ],
  [CH, 'run.completed', { status: 'succeeded' }],
  [BF, 'backfill.window.completed', { window: WINDOW, child_run_id: CH, files: 1, rows: 5, sha256: H(3) }],
  [BF, 'run.completed', { status: 'succeeded' }],
];

export const HISTORY: LedgerEvent[] = DRAFTS.map(([run_id, type, payload], i) => ({
  v: 1,
  seq: i + 1,
  event_id: `01HZZZZZZZZZZZZZZZZZZZZZ${String(i + 10).padStart(2, '0')}`,
  type,
  dataset_id: DS,
  run_id,
  recorded_at: new Date(Date.UTC(2026, 0, 1, 12, 0, i)).toISOString(),
  actor: { tool: 'kfm', tool_version: '0.1.0' },
  payload,
  prev_hash: H(i === 0 ? 0 : 100 + i - 1),
  hash: H(100 + i),
}));

export const historyOf =
  (events: readonly LedgerEvent[]): RunHistory =>
  (datasetId, runId, toSeq) =>
    events.filter((e) => e.dataset_id === datasetId && e.run_id === runId && e.seq <= toSeq);

export const NAMESPACE = 'kfm://test-ledger';

/** The JSON Lines `kfm openlineage` would print for `events`. */
export function projectLines(events: readonly LedgerEvent[]): string[] {
  const history = historyOf(events);
  return events.flatMap((e) => {
    const event = projectRunEvent(e, history, { namespace: NAMESPACE });
    return event === null ? [] : [canonicalJson(event)];
  });
}
