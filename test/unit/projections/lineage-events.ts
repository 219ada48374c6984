import fc from 'fast-check';
import { MemoryLedger } from '../../../src/ledger/memory-ledger.js';
import { nobleEventHasher } from '../../../src/ledger/pure/event-hash.js';
import { decodeEvent, type LedgerEvent } from '../../../src/projections/ledger-event.js';

/**
 * Random but schema-valid lineage histories for the projection properties: runs of three datasets
 * interleaved, every lineage event type (and some that project nothing) in any order — including
 * orders no connector writes (a completion without a start, a reuse before a publication), because
 * the reducers must fold whatever a valid ledger holds. Small value pools make collisions likely:
 * the same content captured twice, one version id published twice.
 */

export interface Draft {
  type: string;
  dataset_id: string;
  run_id: string;
  payload: Record<string, unknown>;
}

const hex = (n: number) => n.toString(16).padStart(1, '0').repeat(64).slice(0, 64);
const STAGES = ['ingest', 'transform', 'validate', 'promote'] as const;
const VERSIONS = ['v0000000000000001', 'v0000000000000002', 'v0000000000000003'];

const payloadOf: Record<string, (n: number) => Record<string, unknown>> = {
  'run.started': (n) => ({
    stage: STAGES[n % 4],
    spec: { n },
    spec_hash: hex(n % 16),
    args: {},
    dry_run: false,
  }),
  'run.completed': (n) =>
    n % 3 === 0
      ? { status: 'succeeded' }
      : n % 3 === 1
        ? { status: 'failed', error: { code: 'VALIDATION_FAILED', message: 'check failed' } }
        : { status: 'denied' },
  'raw.captured': (n) => ({
    capture_id: `c${n % 5}`,
    path: `p${n % 4}/data.csv`,
    sha256: hex(n % 3),
    bytes: n,
    source_uri: `https://example.org/${n % 2}.csv`,
    ...(n % 2 === 0 ? { seen_before: true } : {}),
  }),
  'source.discovered': (n) => ({ source_uri: `https://example.org/${n % 2}.csv`, capabilities: {} }),
  'work.artifact.written': (n) => ({
    path: `runs/r/artifacts/${n % 3}.csv`,
    sha256: hex(n % 5),
    bytes: n,
    derived_from: n % 4 === 0 ? [`../processed/${VERSIONS[n % 3]}/a.csv`] : [`p${n % 4}/data.csv`],
  }),
  'transform.applied': (n) => ({
    name: ['generalize_geometry', 'redact_columns', 'aggregate_counties', 'normalize'][n % 4],
    params: { n },
    inputs: [`p${n % 4}/data.csv`],
    outputs: [`runs/r/artifacts/${n % 3}.csv`],
    summary: {},
  }),
  'validation.reported': (n) => ({
    passed: n % 2 === 0,
    checks: [{ name: 'schema', passed: n % 2 === 0 }],
  }),
  'promotion.denied': (n) => ({
    reasons: [{ code: n % 2 ? 'LICENSE_MISSING' : 'VALIDATION_FAILED', message: 'no' }],
  }),
  'version.published': (n) => ({
    version_id: VERSIONS[n % 3],
    content_hash: hex(n % 7),
    artifacts: [{ path: 'a.csv', sha256: hex(n % 5), bytes: n }],
    supersedes: n % 2 === 0 ? null : VERSIONS[(n + 1) % 3],
    registry: { dataset_id: 'x', license: 'CC0-1.0', sensitivity: 'public', policy_labels: ['open'] },
    ...(n % 3 === 0 ? { bbox: [-1, -1, 1, 1] } : {}),
  }),
  'version.reused': (n) => ({
    version_id: VERSIONS[n % 3],
    content_hash: hex(n % 7),
    registry: { dataset_id: 'x', license: 'CC0-1.0', sensitivity: 'public', policy_labels: ['open'] },
  }),
  'catalog.emitted': (n) => ({
    kind: ['dcat', 'stac', 'prov'][n % 3],
    path: `dcat/x${n % 2}.json`,
    sha256: hex(n % 9),
  }),
  'x.test.note': (n) => ({ n }),
};
const TYPES = Object.keys(payloadOf);

export const draftArb: fc.Arbitrary<Draft> = fc
  .record({
    dataset: fc.integer({ min: 0, max: 2 }),
    run: fc.integer({ min: 0, max: 3 }),
    type: fc.constantFrom(...TYPES),
    n: fc.nat({ max: 1000 }),
  })
  .map(({ dataset, run, type, n }) => ({
    type,
    dataset_id: `ds_${dataset}`,
    run_id: `run_${dataset}_${run}`,
    payload: payloadOf[type]!(n),
  }));

/** Drafts and a split of them into append batches (sizes ≥ 1). */
export const historyArb = fc
  .array(draftArb, { minLength: 1, maxLength: 60 })
  .chain((drafts) =>
    fc.record({
      drafts: fc.constant(drafts),
      cuts: fc.uniqueArray(fc.nat({ max: drafts.length }), { maxLength: 8 }),
    }),
  )
  .map(({ drafts, cuts }) => ({ drafts, batches: splitAt(drafts, cuts) }));

export function splitAt<T>(items: readonly T[], cuts: readonly number[]): T[][] {
  const points = [...new Set([0, ...cuts, items.length])].sort((a, b) => a - b);
  return points
    .slice(1)
    .map((end, i) => items.slice(points[i], end))
    .filter((b) => b.length > 0);
}

/** Seals drafts with a deterministic clock (one second apart), as the ledger would. */
export function sealDrafts(drafts: readonly Draft[]): LedgerEvent[] {
  let t = Date.parse('2026-01-01T00:00:00Z');
  const ledger = new MemoryLedger({
    actor: { tool: 'kfm', tool_version: 'test', operator: 'tester' },
    hasher: nobleEventHasher,
    now: () => (t += 1000),
  });
  ledger.appendEvents(drafts);
  return [...ledger.readEvents()].map(decodeEvent);
}
