import { beforeAll, describe, expect, it } from 'vitest';
import type { PayloadOf } from '../../src/events/index.js';
import type { LedgerEvent } from '../../src/projections/ledger-event.js';
import { backfill, useBackfillRoots } from '../support/backfill-root.js';
import { useDemoRoots } from '../support/demo-root.js';
import type { Draft } from '../support/drafts.js';
import { STATIONS } from '../support/examples.js';
import { forgeEvents } from '../support/forge-events.js';
import { kfm, type PromoteJson, runKfmJson, stage } from '../support/kfm-cli.js';
import { started } from '../support/ledger-events.js';
import { ledgerEvents } from '../support/ledger-file.js';
import { ingestEditedFixture, processedEntries } from '../support/promote-root.js';

// Issue 10, item 2: history the stage runtime cannot have written. Each case forges events into its
// own copy of a real `kfm demo` root the way an attacker holding the SQLite file would (sealed with
// kfm's own code onto the head, inserted below the append API, receipts and catalogs then rewritten
// with `kfm replay`), so the chain and every file agree, and `kfm verify --deep` must exit 1 naming
// exactly the forged event's seq and code.

interface DeepReport {
  ok: boolean;
  failures: { seq?: number; path?: string; code: string }[];
}

const roots = useDemoRoots('tamper-history');
let pristine: string;
/** A copy of the demo root where a second stations run (other content) was ingested and validated. */
let secondRun: string;
const SECOND = 'stations-second';
/** A copy where a stations run (duplicate station ids) failed its validation. */
let failedRun: string;
const FAILED = 'stations-failed';

beforeAll(async () => {
  pristine = await roots.pristine();
  secondRun = roots.clone(pristine);
  failedRun = roots.clone(pristine);
  await Promise.all([
    (async () => {
      await ingestEditedFixture(secondRun, STATIONS, SECOND, (doc) => {
        doc.features[0]!.properties.name = 'Renamed station';
      });
      await stage(secondRun, ['validate', STATIONS, '--run_id', SECOND]);
    })(),
    (async () => {
      await ingestEditedFixture(failedRun, STATIONS, FAILED, (doc) => {
        doc.features[1]!.properties.station_id = doc.features[0]!.properties.station_id;
      });
      await stage(failedRun, ['validate', STATIONS, '--run_id', FAILED], 3);
    })(),
  ]);
}, 180_000);

/** The last event of `type` (of `runId`, if given) in a root's ledger. */
function lastOf<T extends 'validation.reported' | 'version.published'>(
  root: string,
  type: T,
  runId?: string,
): LedgerEvent & { payload: PayloadOf<T> } {
  const found = ledgerEvents(root, { type, ...(runId === undefined ? {} : { run_id: runId }) }).filter(
    (e) => e.dataset_id === STATIONS,
  );
  return found.at(-1) as LedgerEvent & { payload: PayloadOf<T> };
}

const draft = (runId: string, type: string, payload: Record<string, unknown>): Draft => ({
  type,
  dataset_id: STATIONS,
  run_id: runId,
  payload,
});

/** A whole stage of `runId` around `body`: run.started … run.completed, as a forger would wrap it. */
const forgedStage = (runId: string, stage: string, ...body: [string, Record<string, unknown>][]): Draft[] => [
  draft(runId, 'run.started', started(stage)),
  ...body.map(([type, payload]) => draft(runId, type, payload)),
  draft(runId, 'run.completed', { status: 'succeeded' }),
];

/** Forges `drafts` into a copy of `from`, rewrites receipts and catalogs, verifies deep. */
async function forgeAndVerify(from: string, drafts: Draft[]) {
  const root = roots.clone(from);
  const seqs = forgeEvents(root, drafts);
  const replay = await kfm(root, ['replay']);
  expect(replay.status, replay.stderr).toBe(0);
  const chain = await runKfmJson<DeepReport>(['--root', root, '--json', 'verify']);
  expect(chain.json.ok).toBe(true); // the hash chain alone cannot see any of it
  const deep = await runKfmJson<DeepReport>(['--root', root, '--json', 'verify', '--deep']);
  return {
    seqs,
    status: deep.status,
    findings: deep.json.failures.map(({ seq, path, code }) => ({ seq, path, code })),
  };
}

describe('kfm verify --deep on history the stage runtime cannot have written', () => {
  it('passes the untouched roots the cases start from', async () => {
    for (const root of [pristine, secondRun]) {
      const deep = await runKfmJson<DeepReport>(['--root', root, '--json', 'verify', '--deep']);
      expect(deep.json.failures).toEqual([]);
      expect(deep.status).toBe(0);
    }
  });

  it('reports EVENT_OUTSIDE_STAGE for a core event appended to a run whose stages all completed', async () => {
    const published = lastOf(pristine, 'version.published');
    const forged = draft(published.run_id, 'source.discovered', {
      source_uri: 'https://forged.example/stations.geojson',
      capabilities: {},
    });
    const { seqs, status, findings } = await forgeAndVerify(pristine, [forged]);
    expect(findings).toEqual([{ seq: seqs[0], path: undefined, code: 'EVENT_OUTSIDE_STAGE' }]);
    expect(status).toBe(1);
  });

  it('reports EVENT_OUTSIDE_STAGE for a core event inside a stage that never records it', async () => {
    const validation = lastOf(pristine, 'validation.reported');
    const stage = forgedStage(validation.run_id, 'transform', ['validation.reported', validation.payload]);
    const { seqs, status, findings } = await forgeAndVerify(pristine, stage);
    expect(findings).toEqual([{ seq: seqs[1], path: undefined, code: 'EVENT_OUTSIDE_STAGE' }]);
    expect(status).toBe(1);
  });

  it('reports VALIDATION_INCONSISTENT for a validation that passed with a failed check', async () => {
    const { run_id, payload } = lastOf(pristine, 'validation.reported');
    const checks = payload.checks.map((c, i) => (i === 0 ? { ...c, passed: false } : c));
    const stage = forgedStage(run_id, 'validate', ['validation.reported', { ...payload, checks }]);
    const { seqs, status, findings } = await forgeAndVerify(pristine, stage);
    expect(findings).toEqual([{ seq: seqs[1], path: undefined, code: 'VALIDATION_INCONSISTENT' }]);
    expect(status).toBe(1);
  });

  it('reports VALIDATION_INCONSISTENT for a validation naming outputs its run does not have', async () => {
    const { run_id, payload } = lastOf(pristine, 'validation.reported');
    const outputs = payload.outputs!.map((o) => ({ ...o, sha256: 'e'.repeat(64) }));
    const stage = forgedStage(run_id, 'validate', ['validation.reported', { ...payload, outputs }]);
    const { seqs, status, findings } = await forgeAndVerify(pristine, stage);
    expect(findings).toEqual([{ seq: seqs[1], path: undefined, code: 'VALIDATION_INCONSISTENT' }]);
    expect(status).toBe(1);
  });

  it('reports VERSION_CONTENT_UNVALIDATED for a run recording a version its validation never saw', async () => {
    // The second run validated other content; a forged promote stage makes it reuse the first version.
    const first = lastOf(secondRun, 'version.published');
    const { version_id, content_hash, registry } = first.payload;
    const stage = forgedStage(SECOND, 'promote', ['version.reused', { version_id, content_hash, registry }]);
    const { seqs, status, findings } = await forgeAndVerify(secondRun, stage);
    expect(findings).toEqual([{ seq: seqs[1], path: undefined, code: 'VERSION_CONTENT_UNVALIDATED' }]);
    expect(status).toBe(1);
  });
});

describe('kfm promote of a run whose history the stage runtime cannot have written', () => {
  it('denies EVENT_OUTSIDE_STAGE (exit 3, recorded, nothing published) for a passed validation forged outside a stage', async () => {
    const root = roots.clone(failedRun);
    const failed = lastOf(root, 'validation.reported', FAILED);
    const checks = failed.payload.checks.map((c) => ({ ...c, passed: true }));
    const [seq] = forgeEvents(root, [
      draft(FAILED, 'validation.reported', { ...failed.payload, passed: true, checks }),
    ]);
    expect((await kfm(root, ['replay'])).status).toBe(0); // receipts now agree with the forgery
    const before = processedEntries(root, STATIONS);

    const run = await stage<PromoteJson>(root, ['promote', STATIONS, '--run_id', FAILED], 3);
    const reasons = run.json.reasons as { code: string; message: string }[];
    expect(reasons.map((r) => r.code)).toEqual(['EVENT_OUTSIDE_STAGE']);
    expect(reasons[0]!.message).toContain(`seq ${seq}`);
    expect(ledgerEvents(root, { run_id: FAILED, type: 'promotion.denied' })).toHaveLength(1);
    expect(processedEntries(root, STATIONS)).toEqual(before);
  });
});

describe('kfm verify --deep on history the stage runtime wrote', () => {
  const env = useBackfillRoots('tamper-history-backfill');

  it('passes a backfill: windows recorded in the parent run, captures and validations in child runs', async () => {
    const server = await env.upstream({ pageSize: 3 });
    const root = await env.root({ uri: server.base });
    const run = await backfill(root, '2026-01-01', '2026-01-03');
    expect(run.status, run.stderr).toBe(0);
    const deep = await runKfmJson<DeepReport>(['--root', root.dir, '--json', 'verify', '--deep']);
    expect(deep.json.failures).toEqual([]);
    expect(deep.status).toBe(0);
  });
});
