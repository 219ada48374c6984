import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { LedgerEvent } from '../../src/projections/ledger-event.js';
import type { RunManifest } from '../../src/projections/run-manifest.js';
import { type Example, registryPath, runnerPath, SITES, STATIONS } from '../support/examples.js';
import { kfmLog, type PromoteJson, runNode, stage } from '../support/kfm-cli.js';
import { ledgerEvents, sha256Hex } from '../support/ledger-file.js';
import { filesUnder, readJson, sha256OfFile } from '../support/promote-root.js';
import { initRoot } from '../support/stage-root.js';
import { useTempDirs } from '../support/temp-dirs.js';

// Issue 4, "Tests": what a successful `kfm promote --json` prints, and run_manifest.json — the
// Promotion Contract receipt — checked against the files it names and the ledger through
// `kfm log --json`. Two runs: the sensitive sites (generalized by transform) and the public stations.

const roots = useTempDirs('promote-receipts');
let root: string;
let events: LedgerEvent[];
const RUN: Record<typeof STATIONS | typeof SITES, string> = {
  [STATIONS]: 'stations-receipts',
  [SITES]: 'sites-receipts',
};
const promoted = new Map<Example, PromoteJson>();
const DATASETS = [SITES, STATIONS] as const;

beforeAll(async () => {
  root = roots();
  await initRoot(root);
  await Promise.all(
    DATASETS.map(async (id) => {
      const steps = id === SITES ? ['ingest', 'transform', 'validate'] : ['ingest', 'validate'];
      for (const step of steps) await stage(root, [step, id, '--run_id', RUN[id]]);
      const args = ['promote', id, '--run_id', RUN[id], '--emit_catalogs'];
      promoted.set(id, (await stage<PromoteJson>(root, args)).json);
    }),
  );
  events = await kfmLog(root);
}, 180_000);

const runDir = (id: (typeof DATASETS)[number]) => join(root, 'data', 'work', id, 'runs', RUN[id]);
const versionDir = (id: Example) => join(root, 'data', 'processed', id, promoted.get(id)!.version_id);
const manifestOf = (id: (typeof DATASETS)[number]) =>
  readJson<RunManifest>(join(runDir(id), 'run_manifest.json'));
const runEvents = (id: (typeof DATASETS)[number], type: string) =>
  events.filter((e) => e.run_id === RUN[id] && e.type === type);

describe.each(DATASETS)('kfm promote %s --json', (id) => {
  it('prints run_id, dataset_id, version_id, content_hash, reused and the catalog paths', () => {
    const out = promoted.get(id)!;
    expect(out).toMatchObject({ run_id: RUN[id], dataset_id: id, stage: 'promote', status: 'succeeded' });
    expect(out).toMatchObject({ exit: 0, reused: false });
    expect(out.content_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(out.version_id).toBe(`v${out.content_hash.slice(0, 16)}`);
    expect([...out.catalogs].sort()).toEqual(
      [
        `data/catalog/dcat/${id}.json`,
        'data/catalog/dcat/catalog.json',
        `data/catalog/stac/${id}/collection.json`,
        `data/catalog/stac/${id}/items/${out.version_id}/${id}-${out.version_id}.json`,
        `data/catalog/prov/${id}/run_${RUN[id]}.json`,
      ].sort(),
    );
    expect(out.receipts).toContain(`${id}/runs/${RUN[id]}/run_manifest.json`);
  });

  it('names a version whose content_hash is sha256(JCS({dataset_id, artifacts sorted by path}))', () => {
    const out = promoted.get(id)!;
    const names = filesUnder(versionDir(id)).filter((n) => n !== 'checksums.sha256');
    // JCS of this shape is JSON with keys in code-point order: written out by hand, independently.
    const artifacts = names.map((path) => ({
      bytes: readFileSync(join(versionDir(id), path)).length,
      path,
      sha256: sha256OfFile(join(versionDir(id), path)),
    }));
    expect(sha256Hex(JSON.stringify({ artifacts, dataset_id: id }))).toBe(out.content_hash);
  });
});

describe.each(DATASETS)('run_manifest.json of %s', (id) => {
  it('is canonical JSON naming the dataset, run, version and content hash', () => {
    const text = readFileSync(join(runDir(id), 'run_manifest.json'), 'utf8');
    const sorted = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(sorted)
        : v !== null && typeof v === 'object'
          ? Object.fromEntries(
              Object.keys(v)
                .sort()
                .map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
            )
          : v;
    expect(text).toBe(`${JSON.stringify(sorted(JSON.parse(text)), null, 2)}\n`);
    const out = promoted.get(id)!;
    expect(manifestOf(id)).toMatchObject({
      kind: 'kfm.run_manifest',
      dataset_id: id,
      run_id: RUN[id],
      version_id: out.version_id,
      content_hash: out.content_hash,
      reused: false,
      supersedes: null,
    });
  });

  it('lists the spec_hash of every stage of the run, as run.started recorded it', () => {
    const started = runEvents(id, 'run.started').map((e) => {
      const p = e.payload as { stage: string; spec_hash: string };
      return { stage: p.stage, spec_hash: p.spec_hash, seq: e.seq };
    });
    const stages =
      id === SITES ? ['ingest', 'transform', 'validate', 'promote'] : ['ingest', 'validate', 'promote'];
    expect(started.map((s) => s.stage)).toEqual(stages);
    expect(manifestOf(id).spec_hashes).toEqual(started);
  });

  it('lists the artifacts with the sha256 and size of the published files', () => {
    const artifacts = manifestOf(id).artifacts;
    expect(artifacts.map((a) => a.path)).toEqual(
      filesUnder(versionDir(id)).filter((n) => n !== 'checksums.sha256'),
    );
    for (const a of artifacts) {
      expect(a.sha256).toBe(sha256OfFile(join(versionDir(id), a.path)));
      expect(a.bytes).toBe(readFileSync(join(versionDir(id), a.path)).length);
    }
  });

  it('lists the catalogs this promotion emitted, with their sha256', () => {
    const catalogs = manifestOf(id).catalogs;
    expect(catalogs).toEqual(runEvents(id, 'catalog.emitted').map((e) => e.payload));
    expect(catalogs.map((c) => `data/catalog/${c.path}`).sort()).toEqual(
      [...promoted.get(id)!.catalogs].sort(),
    );
    // data/catalog/dcat/catalog.json changes when the other dataset is promoted; the others are this run's.
    for (const c of catalogs.filter((x) => x.path !== 'dcat/catalog.json'))
      expect(c.sha256, c.path).toBe(sha256OfFile(join(root, 'data', 'catalog', c.path)));
  });

  it('carries the licence, sensitivity and policy labels of the registry', () => {
    const registry = parseYaml(readFileSync(registryPath(root, id), 'utf8')) as Record<string, unknown>;
    expect(manifestOf(id)).toMatchObject({
      license: registry.license,
      sensitivity: registry.sensitivity,
      policy_labels: registry.policy_labels,
    });
  });

  it('hashes the validation report it was promoted under', () => {
    const validation = runEvents(id, 'validation.reported').at(-1)!;
    expect(manifestOf(id).validation).toEqual({
      passed: true,
      seq: validation.seq,
      report_sha256: sha256OfFile(join(runDir(id), 'validation_report.json')),
    });
  });

  it('anchors itself to the version.published event that `kfm log --json` shows', () => {
    const [published] = runEvents(id, 'version.published');
    expect(published).toBeDefined();
    expect(manifestOf(id).ledger_anchor).toEqual({
      seq: published!.seq,
      hash: published!.hash,
      type: 'version.published',
    });
  });
});

describe('the redaction summary in run_manifest.json', () => {
  it('records the generalization of ks_archaeological_sites: what, how, and how much it changed', () => {
    const [applied] = runEvents(SITES, 'transform.applied');
    expect(manifestOf(SITES).redaction).toEqual([
      {
        name: 'generalize_geometry',
        params: { method: 'snap_to_grid', precision_deg: 0.1 },
        summary: { features: 8, features_changed: 8, precision_deg: 0.1 },
        seq: applied!.seq,
      },
    ]);
  });

  it('is empty for the public stations, which nothing redacted', () => {
    expect(manifestOf(STATIONS).redaction).toEqual([]);
  });
});

describe('after the promotions', () => {
  it('`kfm verify` accepts the ledger', async () => {
    const { json } = await stage<{ ok: boolean; failures: unknown[] }>(root, ['verify']);
    expect(json).toMatchObject({ ok: true, failures: [] });
  });

  it('the promote runner of a connector documents --emit_catalogs and --processed_dir', async () => {
    const help = await runNode(runnerPath(STATIONS, 'promote'), ['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/--emit_catalogs/);
    expect(help.stdout).toMatch(/--processed_dir <path>/);
  });
});

describe('promoting identical outputs in a new run through the connector runners', () => {
  it('reuses the version and anchors the new run_manifest.json to version.reused, listing each catalog once', async () => {
    const copy = roots.clone(root);
    const id = STATIONS;
    // The promoted run is closed (RUN_CLOSED): identical outputs are reused by a new run.
    const again = 'stations-receipts-again';
    const base = ['--root', copy, '--json', '--run_id', again];
    for (const step of ['ingest', 'validate'])
      expect((await runNode(runnerPath(id, step), base)).status).toBe(0);
    const run = await runNode(runnerPath(id, 'promote'), [...base, '--emit_catalogs']);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      dataset_id: id,
      reused: true,
      version_id: promoted.get(id)!.version_id,
    });
    const manifest = readJson<RunManifest>(
      join(copy, 'data', 'work', id, 'runs', again, 'run_manifest.json'),
    );
    const [reused] = ledgerEvents(copy, { run_id: again, type: 'version.reused' });
    expect(manifest).toMatchObject({ reused: true, version_id: promoted.get(id)!.version_id });
    expect(manifest.ledger_anchor).toEqual({ seq: reused!.seq, hash: reused!.hash, type: 'version.reused' });
    expect(manifest.artifacts).toEqual(manifestOf(id).artifacts);
    // The receipt of this promotion: every catalog once (PROV is per run), with the sha256 of the
    // file as it now is.
    expect(manifest.catalogs.map((c) => c.path).sort()).toEqual(
      manifestOf(id)
        .catalogs.map((c) => c.path.replace(RUN[id], again))
        .sort(),
    );
    for (const c of manifest.catalogs)
      expect(c.sha256, c.path).toBe(sha256OfFile(join(copy, 'data', 'catalog', c.path)));
  });
});
