import { beforeAll, describe, expect, it } from 'vitest';
import type { LedgerEvent } from '../../src/projections/ledger-event.js';
import { toJsonLines } from '../support/drafts.js';
import { STATIONS } from '../support/examples.js';
import { kfm, kfmHead, runKfm, runKfmJson, STACK_FRAME, stage } from '../support/kfm-cli.js';
import { ledgerEvents } from '../support/ledger-file.js';
import { ingestEditedFixture } from '../support/promote-root.js';
import { initRoot } from '../support/stage-root.js';
import { useTempDirs } from '../support/temp-dirs.js';

// Issue 10 items 1 and 10 through the real CLI: `kfm append` is the door of connectors in other
// languages, so it takes extension facts only, and those facts leave every receipt as it was.

const roots = useTempDirs('append-governed');
/** A stations run whose validation failed (two features share a station id). */
const FAILED = 'stations-duplicates';
let template: string;

beforeAll(async () => {
  template = roots();
  await initRoot(template);
  await ingestEditedFixture(template, STATIONS, FAILED, (doc) => {
    doc.features[1]!.properties.station_id = doc.features[0]!.properties.station_id;
  });
  await stage(template, ['validate', STATIONS, '--run_id', FAILED], 3);
}, 120_000);

/** The draft `kfm append` would take for `event`, with its payload changed by `edit`. */
function forgedFrom(event: LedgerEvent, runId: string, payload: unknown): Record<string, unknown> {
  return { type: event.type, dataset_id: event.dataset_id, run_id: runId, payload };
}

function failedValidation(root: string): LedgerEvent {
  const [event] = ledgerEvents(root, { run_id: FAILED, type: 'validation.reported' });
  if (event === undefined) throw new Error(`no validation.reported in run ${FAILED}`);
  return event;
}

describe('kfm append of core event types', () => {
  it('refuses a validation.reported copied from a failed run with passed: true (exit 2, nothing appended), so promote still denies', async () => {
    const root = roots.clone(template);
    const real = failedValidation(root);
    const payload = real.payload as { checks: { passed: boolean }[] };
    const forged = forgedFrom(real, FAILED, {
      ...payload,
      passed: true,
      checks: payload.checks.map((check) => ({ ...check, passed: true })),
    });
    const before = await kfmHead(root);

    const run = await runKfm(['--root', root, 'append'], { input: toJsonLines([forged]) });

    expect(run.status).toBe(2);
    expect(run.stderr).toContain('line 1');
    expect(run.stderr).toContain("'validation.reported' is a core event type");
    expect(run.stderr).toContain('core events come only from the stage runtime');
    expect(run.stderr).toContain('[RESERVED_TYPE]');
    expect(run.stderr).not.toMatch(STACK_FRAME);
    expect(await kfmHead(root)).toEqual(before);
    const promote = await stage<{ status: string; reasons: { code: string }[] }>(
      root,
      ['promote', STATIONS, '--run_id', FAILED],
      3,
    );
    expect(promote.json.reasons.map((r) => r.code)).toContain('VALIDATION_FAILED');
  });

  it('refuses a whole forged run (run.started, version.published, run.completed) behind a good line: the batch, naming line 2', async () => {
    const root = roots.clone(template);
    const [started] = ledgerEvents(root, { run_id: FAILED, type: 'run.started' });
    const forgedRun = 'forged-run';
    const version = {
      version_id: `v${'a'.repeat(16)}`,
      content_hash: 'a'.repeat(64),
      artifacts: [{ path: 'stations.geojson', sha256: 'b'.repeat(64), bytes: 7 }],
      supersedes: null,
      registry: {
        dataset_id: STATIONS,
        license: 'CC0-1.0',
        sensitivity: 'public',
        policy_labels: ['public'],
      },
    };
    const drafts = [
      { type: 'x.site.note', dataset_id: STATIONS, run_id: forgedRun, payload: { text: 'innocent' } },
      forgedFrom(started!, forgedRun, { ...started!.payload, stage: 'promote' }),
      { type: 'version.published', dataset_id: STATIONS, run_id: forgedRun, payload: version },
      { type: 'run.completed', dataset_id: STATIONS, run_id: forgedRun, payload: { status: 'succeeded' } },
    ];
    const before = await kfmHead(root);

    const run = await runKfmJson(['--root', root, '--json', 'append'], { input: toJsonLines(drafts) });

    expect(run.status).toBe(2);
    expect(run.json).toMatchObject({
      code: 'RESERVED_TYPE',
      details: { line: 2, type: 'run.started', reserved: 3 },
    });
    expect(run.json.message).toContain('line 2');
    expect(await kfmHead(root)).toEqual(before);
    expect(ledgerEvents(root, { run_id: forgedRun })).toEqual([]);
  });
});

describe('kfm append of an extension fact about a staged run', () => {
  it('keeps verify --deep clean without a replay: receipts project the runtime events only', async () => {
    const root = roots.clone(template);
    const note = { type: 'x.site.note', dataset_id: STATIONS, run_id: FAILED, payload: { text: 'checked' } };
    const append = await runKfm(['--root', root, 'append'], { input: toJsonLines([note]) });
    expect(append.status).toBe(0);

    const deep = await kfm(root, ['verify', '--deep']);

    expect(deep.stderr).toBe('');
    expect(deep.status).toBe(0);
    expect(ledgerEvents(root, { run_id: FAILED, type: 'x.site.note' })).toHaveLength(1);
  });

  it('writes no receipt for a run of extension facts only, and replay --check agrees', async () => {
    const root = roots.clone(template);
    const note = { type: 'x.site.note', dataset_id: STATIONS, run_id: 'site-visit', payload: { text: 'a' } };
    expect((await runKfm(['--root', root, 'append'], { input: toJsonLines([note]) })).status).toBe(0);

    const [deep, check] = await Promise.all([
      kfm(root, ['verify', '--deep']),
      kfm(root, ['replay', '--check']),
    ]);

    expect(deep.status).toBe(0);
    expect(check.status).toBe(0);
  });
});
