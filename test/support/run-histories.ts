import fc from 'fast-check';
import { KNOWN_EVENT_TYPES, type KnownEventType } from '../../src/events/index.js';
import { artifact, publishedPayload, type RunDraft, reusedPayload } from './audit-history.js';
import { H, started } from './ledger-events.js';

/**
 * Random histories as the stage runtime writes them (src/contract/stages/*), for property tests of
 * the history invariants: runs of one dataset going ingest → transform? → validate → promote, their
 * events interleaved at random, extension facts anywhere; and single forged core events to insert.
 */

/** What one run goes through; content is named by hex chars, so equal chars mean equal bytes. */
export interface RunPlan {
  captures: string[];
  /** Work artifacts written by a transform stage; null: no transform, the raw captures are the outputs. */
  transform: string[] | null;
  validate: 'passed' | 'failed' | null;
  promote: boolean;
  backfill: boolean;
}

const hexChar = fc.constantFrom('1', '2', '3');
export const runPlan: fc.Arbitrary<RunPlan> = fc.record({
  captures: fc.array(hexChar, { minLength: 1, maxLength: 3 }),
  transform: fc.option(fc.array(hexChar, { minLength: 1, maxLength: 2 }), { nil: null }),
  validate: fc.constantFrom('passed' as const, 'failed' as const, null),
  promote: fc.boolean(),
  backfill: fc.boolean(),
});

export interface HistoryPlan {
  runs: RunPlan[];
  /** Which run emits its next event, in turn (then the rest in order): the interleaving. */
  schedule: number[];
  /** Positions of x.* facts, by index into the interleaved history. */
  notes: number[];
}

export const historyPlan: fc.Arbitrary<HistoryPlan> = fc.record({
  runs: fc.array(runPlan, { minLength: 1, maxLength: 4 }),
  schedule: fc.array(fc.nat(), { maxLength: 60 }),
  notes: fc.array(fc.nat(), { maxLength: 3 }),
});

/** A draft whose payload may depend on what was recorded before it (a version: published or reused). */
type LazyDraft = (published: Map<string, ReturnType<typeof publishedPayload>>) => RunDraft;

const fixed =
  (draft: RunDraft): LazyDraft =>
  () =>
    draft;

function stageOf(run: string, name: string, body: LazyDraft[]): LazyDraft[] {
  return [
    fixed([run, 'run.started', started(name)]),
    ...body,
    fixed([run, 'run.completed', { status: 'succeeded' }]),
  ];
}

function runDrafts(run: string, plan: RunPlan): LazyDraft[] {
  const raw = plan.captures.map((c, i) => ({ path: `${run}/file${i}.csv`, sha256: H(c) }));
  const work = plan.transform?.map((c, i) => ({ path: `runs/${run}/artifacts/out${i}.csv`, sha256: H(c) }));
  const outputs = work ?? raw;
  const drafts: LazyDraft[] = stageOf(run, 'ingest', [
    fixed([run, 'source.discovered', { source_uri: 'file:///up.csv', capabilities: {} }]),
    ...raw.map(({ path, sha256 }) =>
      fixed([
        run,
        'raw.captured',
        { capture_id: run, path, sha256, bytes: 10, source_uri: 'file:///up.csv' },
      ]),
    ),
    fixed([run, 'raw.manifest.written', { path: 'manifest.yml', sha256: H('b') }]),
  ]);
  if (work !== undefined) {
    drafts.push(
      ...stageOf(run, 'transform', [
        ...work.map(({ path, sha256 }) =>
          fixed([run, 'work.artifact.written', { path, sha256, bytes: 10, derived_from: [] }]),
        ),
        fixed([
          run,
          'transform.applied',
          { name: 'clean', params: {}, inputs: [], outputs: [], summary: {} },
        ]),
      ]),
    );
  }
  if (plan.validate === null) return drafts;
  const passed = plan.validate === 'passed';
  drafts.push(
    ...stageOf(run, 'validate', [
      fixed([run, 'validation.reported', { passed, outputs, checks: [{ name: 'rows', passed }] }]),
    ]),
  );
  if (!plan.promote) return drafts;
  const version: LazyDraft = (published) => {
    if (!passed)
      return [run, 'promotion.denied', { reasons: [{ code: 'VALIDATION_FAILED', message: 'failed' }] }];
    const payload = publishedPayload(outputs.map((o) => artifact(o.path.split('/').at(-1)!, o.sha256[0]!)));
    const known = published.get(payload.version_id);
    if (known !== undefined) return [run, 'version.reused', reusedPayload(known)];
    published.set(payload.version_id, payload);
    return [run, 'version.published', payload];
  };
  drafts.push(
    ...stageOf(run, 'promote', [
      version,
      fixed([run, 'catalog.emitted', { kind: 'dcat', path: 'dcat/data.json', sha256: H('c') }]),
    ]),
  );
  return drafts;
}

/** A backfill's own run: its windows, each completed by a child run of the plan. */
function backfillDrafts(run: string, children: string[]): LazyDraft[] {
  return stageOf(
    run,
    'backfill',
    children.map((child, i) =>
      fixed([
        run,
        'backfill.window.completed',
        {
          window: { since: `2026-01-0${i + 1}T00:00:00.000Z`, until: `2026-01-0${i + 2}T00:00:00.000Z` },
          child_run_id: child,
          files: 1,
          rows: 1,
          sha256: H('d'),
        },
      ]),
    ),
  );
}

/** The interleaved drafts of a plan: each run's own events in order, the runs mixed by the schedule. */
export function honestHistory(plan: HistoryPlan): RunDraft[] {
  const runIds = plan.runs.map((_, i) => `r${i}`);
  const queues = plan.runs.map((p, i) => runDrafts(runIds[i]!, p));
  const children = runIds.filter((_, i) => plan.runs[i]!.backfill);
  if (children.length > 0) queues.push(backfillDrafts('bf', children));
  const published = new Map<string, ReturnType<typeof publishedPayload>>();
  const out: RunDraft[] = [];
  const take = (q: LazyDraft[]) => out.push(q.shift()!(published));
  for (const pick of plan.schedule) {
    const open = queues.filter((q) => q.length > 0);
    if (open.length === 0) break;
    take(open[pick % open.length]!);
  }
  for (const q of queues) while (q.length > 0) take(q);
  for (const at of plan.notes) {
    const run = runIds[at % runIds.length]!;
    out.splice(at % (out.length + 1), 0, [run, 'x.site.note', { at }]);
  }
  return out;
}

/** A schema-valid payload of every core type: what a forger appends. */
const forgedVersion = publishedPayload([artifact('forged.csv', 'f')]);
export const FORGED_PAYLOADS: Record<KnownEventType, Record<string, unknown>> = {
  'run.started': started('validate'),
  'source.discovered': { source_uri: 'file:///forged.csv', capabilities: {} },
  'raw.captured': {
    capture_id: 'forged',
    path: 'forged/x.csv',
    sha256: H('f'),
    bytes: 1,
    source_uri: 'file:///forged.csv',
  },
  'raw.manifest.written': { path: 'manifest.yml', sha256: H('f') },
  'work.artifact.written': { path: 'runs/forged/x.csv', sha256: H('f'), bytes: 1, derived_from: [] },
  'transform.applied': { name: 'forged', params: {}, inputs: [], outputs: [], summary: {} },
  'validation.reported': { passed: true, checks: [{ name: 'rows', passed: true }] },
  'promotion.denied': { reasons: [{ code: 'LICENSE_MISSING', message: 'forged' }] },
  'version.published': forgedVersion,
  'version.reused': reusedPayload(forgedVersion),
  'catalog.emitted': { kind: 'dcat', path: 'dcat/data.json', sha256: H('f') },
  'run.completed': { status: 'succeeded' },
  'backfill.window.completed': {
    window: { since: '2026-01-01T00:00:00.000Z', until: '2026-01-02T00:00:00.000Z' },
    child_run_id: 'r0',
    files: 0,
    rows: 0,
    sha256: H('f'),
  },
};

export interface Forgery {
  type: KnownEventType;
  /** Index into the run ids of the history, or beyond them: a run that never started. */
  run: number;
  /** Where in the history it is inserted (modulo its length + 1). */
  at: number;
}

export const forgery: fc.Arbitrary<Forgery> = fc.record({
  type: fc.constantFrom(...KNOWN_EVENT_TYPES),
  run: fc.nat({ max: 5 }),
  at: fc.nat(),
});

/** The history with the forged draft inserted; `index` is its position (seq = index + 1). */
export function insertForgery(history: RunDraft[], forged: Forgery): { drafts: RunDraft[]; index: number } {
  const runs = [...new Set(history.map(([run]) => run))];
  const run = runs[forged.run] ?? 'r_forged';
  const index = forged.at % (history.length + 1);
  const drafts = [...history];
  drafts.splice(index, 0, [run, forged.type, FORGED_PAYLOADS[forged.type]]);
  return { drafts, index };
}
