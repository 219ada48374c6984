import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { isType, type LedgerEvent } from '../../src/projections/ledger-event.js';
import { renderReceipt } from '../../src/projections/render-receipt.js';
import { projectRunRecord } from '../../src/projections/run-record.js';
import { projectValidationReport } from '../../src/projections/validation-report.js';
import { canonicalPretty } from '../support/canonical-pretty.js';
import { EXAMPLES, type Example, fixturePath } from '../support/examples.js';
import { kfm, kfmLog, type StageJson, stage } from '../support/kfm-cli.js';
import { filesUnder } from '../support/promote-root.js';
import { useStageRoots } from '../support/stage-root.js';

// Issue 3's happy path through the real built CLI: one root, the three example connectors
// ingested (→ transformed where the connector transforms) → validated, every stage with
// --log_json so its stderr is checked too. The its below only read what the stages left.

const roots = useStageRoots('stages');
let root: string;
const runs = new Map<Example, { ingest: StageJson; transform?: StageJson; validate: StageJson }>();
const stderrs: { args: string[]; stderr: string; json: StageJson }[] = [];
let events: LedgerEvent[];

async function loggedStage(args: string[]): Promise<StageJson> {
  const run = await stage(root, [...args, '--log_json']);
  stderrs.push({ args, stderr: run.stderr, json: run.json });
  return run.json;
}

beforeAll(async () => {
  root = await roots.root();
  // Datasets in parallel (one ledger, several appenders); stages of one dataset in order.
  await Promise.all(
    EXAMPLES.map(async (id) => {
      const ingest = await loggedStage(['ingest', id]);
      const transform =
        id === 'ks_archaeological_sites'
          ? await loggedStage(['transform', id, '--run_id', ingest.run_id])
          : undefined;
      const validate = await loggedStage(['validate', id, '--run_id', ingest.run_id]);
      runs.set(id, { ingest, validate, ...(transform === undefined ? {} : { transform }) });
    }),
  );
  events = await kfmLog(root);
});

const runOf = (id: Example) => runs.get(id)!;
const workDir = (id: Example) => join(root, 'data', 'work', id, 'runs', runOf(id).ingest.run_id);
const runEvents = (id: Example) => events.filter((e) => e.run_id === runOf(id).ingest.run_id);

describe.each(EXAMPLES)('the happy path of %s', (id) => {
  it('prints run_id, dataset_id, stage, status and the seq range under --json, and exits 0', () => {
    const { ingest, transform, validate } = runOf(id);
    expect(ingest).toMatchObject({ dataset_id: id, stage: 'ingest', status: 'succeeded', exit: 0 });
    expect(ingest.run_id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    for (const later of [transform, validate].filter((s) => s !== undefined)) {
      expect(later).toMatchObject({ dataset_id: id, run_id: ingest.run_id, status: 'succeeded', exit: 0 });
    }
    expect(validate.stage).toBe('validate');
    // Each stage's seq range holds exactly its run.started … run.completed.
    for (const s of [ingest, transform, validate].filter((x) => x !== undefined)) {
      const range = events.filter((e) => e.seq >= s.seq!.first && e.seq <= s.seq!.last);
      const ours = range.filter((e) => e.run_id === s.run_id);
      expect(ours[0]).toMatchObject({ type: 'run.started', payload: { stage: s.stage } });
      expect(ours.at(-1)).toMatchObject({ type: 'run.completed', payload: { status: 'succeeded' } });
      expect(ours.filter((e) => e.type === 'run.started')).toHaveLength(1);
    }
  });

  it('writes run_record.json and validation_report.json that equal a re-render from the ledger', () => {
    const dir = workDir(id);
    const record = readFileSync(join(dir, 'run_record.json'), 'utf8');
    const report = readFileSync(join(dir, 'validation_report.json'), 'utf8');
    // Canonical form: keys sorted at every level, 2-space indent, final newline.
    expect(record).toBe(canonicalPretty(record));
    expect(report).toBe(canonicalPretty(report));
    // A projection of the events (read back through `kfm log --json`), rendered again, gives the same bytes.
    expect(renderReceipt(projectRunRecord(runEvents(id)))).toBe(record);
    expect(renderReceipt(projectValidationReport(runEvents(id)))).toBe(report);
    expect(JSON.parse(report)).toMatchObject({ dataset_id: id, passed: true });
    expect(runOf(id).validate.receipts).toEqual(
      expect.arrayContaining([
        `${id}/runs/${runOf(id).ingest.run_id}/run_record.json`,
        `${id}/runs/${runOf(id).ingest.run_id}/validation_report.json`,
      ]),
    );
  });

  it('captures the fixture byte for byte into a read-only raw file that `sha256sum -c` verifies', () => {
    const rawDir = join(root, 'data', 'raw', id);
    const captured = runEvents(id).filter((e) => isType(e, 'raw.captured'));
    expect(captured).toHaveLength(1);
    const path = (captured[0]!.payload as { path: string }).path;
    expect(path).toMatch(new RegExp(`^${runOf(id).ingest.run_id}/`));
    expect(readFileSync(join(rawDir, path))).toEqual(readFileSync(fixturePath(id)));
    expect(statSync(join(rawDir, path)).mode & 0o777).toBe(0o444);
    const check = spawnSync('sha256sum', ['-c', '--strict', 'checksums.sha256'], {
      cwd: rawDir,
      encoding: 'utf8',
    });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
    expect(check.stdout).toBe(`${path}: OK\n`);
  });

  it('lists the capture in data/raw/<id>/manifest.yml', () => {
    const manifest = parseYaml(readFileSync(join(root, 'data', 'raw', id, 'manifest.yml'), 'utf8')) as {
      dataset_id: string;
      captures: { run_id: string; files: { path: string; sha256: string }[] }[];
    };
    const captured = runEvents(id).find((e) => isType(e, 'raw.captured'))!.payload as {
      path: string;
      sha256: string;
    };
    expect(manifest.dataset_id).toBe(id);
    expect(manifest.captures).toEqual([
      expect.objectContaining({
        run_id: runOf(id).ingest.run_id,
        files: [expect.objectContaining({ path: captured.path, sha256: captured.sha256 })],
      }),
    ]);
  });
});

describe('kfm transform of ks_archaeological_sites', () => {
  it('writes a generalized work artifact and records the generalization as a transform', () => {
    const transform = runOf('ks_archaeological_sites').transform!;
    expect(transform.transforms).toEqual(['generalize_geometry']);
    const applied = runEvents('ks_archaeological_sites').find((e) => isType(e, 'transform.applied'))!;
    expect(applied.payload).toMatchObject({ name: 'generalize_geometry', params: { precision_deg: 0.1 } });
    const artifact = JSON.parse(
      readFileSync(
        join(root, 'data', 'work', 'ks_archaeological_sites', (transform.artifacts as string[])[0]!),
        'utf8',
      ),
    ) as { features: { geometry: { coordinates: number[] } }[] };
    for (const { geometry } of artifact.features) {
      for (const c of geometry.coordinates) expect(Math.abs(c * 10 - Math.round(c * 10))).toBeLessThan(1e-9);
    }
  });
});

describe('--log_json', () => {
  it('writes only JSON lines on stderr, each with ts, level, msg, dataset_id, run_id and stage', () => {
    expect(stderrs).toHaveLength(7);
    for (const { stderr, json } of stderrs) {
      const lines = stderr.split('\n');
      expect(lines.pop()).toBe('');
      expect(lines.length).toBeGreaterThan(1);
      for (const line of lines) {
        const entry = JSON.parse(line) as Record<string, unknown>;
        expect(Object.keys(entry)).toEqual(
          expect.arrayContaining(['ts', 'level', 'msg', 'dataset_id', 'run_id', 'stage']),
        );
        expect(new Date(entry.ts as string).toISOString()).toBe(entry.ts);
        expect(entry).toMatchObject({ dataset_id: json.dataset_id, run_id: json.run_id, stage: json.stage });
      }
    }
  });

  it('gives the seq of the event a line reports, and reports the run.started and run.completed seqs', () => {
    for (const { stderr, json } of stderrs) {
      const seqs = stderr
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { seq?: number }).seq)
        .filter((seq) => seq !== undefined);
      expect(seqs).toContain(json.seq!.first);
      expect(seqs).toContain(json.seq!.last);
      for (const seq of seqs) {
        expect(events.find((e) => e.seq === seq)).toMatchObject({
          run_id: json.run_id,
          dataset_id: json.dataset_id,
        });
      }
    }
  });
});

describe('after the happy path', () => {
  it('kfm verify passes', async () => {
    const verify = await kfm(root, ['--json', 'verify']);
    expect(verify.status).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, events: events.length, failures: [] });
  });

  it('stores identical content once: a second ingest records seen_before and points at the first file', async () => {
    const again = await stage(root, ['ingest', 'ks_mesonet_stations']);
    expect(again.json).toMatchObject({ captured: 0, seen_before: 1, status: 'succeeded' });
    const captures = await kfmLog(root, ['--type', 'raw.captured', '--dataset_id', 'ks_mesonet_stations']);
    expect(captures).toHaveLength(2);
    const [first, second] = captures.map((e) => e.payload as Record<string, unknown>);
    expect(first!.seen_before).toBeUndefined();
    expect(second).toMatchObject({ seen_before: true, path: first!.path, sha256: first!.sha256 });
    expect(second!.capture_id).toBe(again.json.run_id);
    const rawDir = join(root, 'data', 'raw', 'ks_mesonet_stations');
    expect(filesUnder(rawDir)).toEqual(['checksums.sha256', first!.path, 'manifest.yml'].sort());
    const check = spawnSync('sha256sum', ['-c', '--strict', 'checksums.sha256'], {
      cwd: rawDir,
      encoding: 'utf8',
    });
    expect(check.status).toBe(0);
  });
});
