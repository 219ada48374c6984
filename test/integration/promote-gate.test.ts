import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, type ExpectStatic, it } from 'vitest';
import type { GateCode, GateReason } from '../../src/contract/promotion/evaluate-gate.js';
import { type Example, fixturePath, POPULATION, registryPath, SITES, STATIONS } from '../support/examples.js';
import { kfm, kfmLog, type StageJson, stage } from '../support/kfm-cli.js';
import { ledgerEvents } from '../support/ledger-file.js';
import {
  editRegistry,
  filesUnder,
  ingestEditedFixture,
  processedEntries,
  publishedZones,
  tamper,
} from '../support/promote-root.js';
import { initRoot } from '../support/stage-root.js';
import { useTempDirs } from '../support/temp-dirs.js';

// Issue 4, "Tests": one denial per gate code through the real CLI, each case tripping exactly that
// rule in its own copy of a prepared root, plus cases with several failures. Every denial must
// exit 3, print {status: "denied", reasons: [{code, message}]}, record promotion.denied, and leave
// data/processed and data/catalog byte for byte as they were.

const roots = useTempDirs('promote-gate');
let template: string;

/** Run ids of the template: what each run has been through. */
const PUBLISHED = 'stations-published'; // ingest → validate → promote (so processed/ and catalog/ hold files)
const VALIDATED = 'stations-validated'; // ingest → validate (identical fixture)
const GENERALIZED = 'sites-generalized'; // ingest → transform → validate
const UNTRANSFORMED = 'sites-untransformed'; // ingest → validate, never generalized
const TABLE = 'population-validated'; // ingest → validate

async function stages(root: string, id: Example, runId: string, steps: readonly string[]): Promise<void> {
  for (const step of steps) await stage(root, [step, id, '--run_id', runId]);
}

beforeAll(async () => {
  template = roots();
  await initRoot(template);
  await Promise.all([
    (async () => {
      await stages(template, STATIONS, PUBLISHED, ['ingest', 'validate', 'promote']);
      await stages(template, STATIONS, VALIDATED, ['ingest', 'validate']);
    })(),
    (async () => {
      await stages(template, SITES, GENERALIZED, ['ingest', 'transform', 'validate']);
      await stages(template, SITES, UNTRANSFORMED, ['ingest', 'validate']);
    })(),
    stages(template, POPULATION, TABLE, ['ingest', 'validate']),
  ]);
}, 180_000);

const runDir = (root: string, id: Example, runId: string) => join(root, 'data', 'work', id, 'runs', runId);
const rawFile = (root: string) => join(root, 'data', 'raw', SITES, GENERALIZED, 'sites.geojson');
const workArtifact = (root: string) => join(runDir(root, SITES, GENERALIZED), 'artifacts', 'sites.geojson');

interface DenialCase {
  name: string;
  id: Example;
  run: string;
  prepare: (root: string) => unknown;
  /** Exactly the codes the denial must report (each at least once, no other). */
  codes: GateCode[];
  /** What the messages must say, together. */
  says?: RegExp[];
  /** More to check in the denied root. */
  after?: (root: string, expect: ExpectStatic) => Promise<void> | void;
}

const SEVERAL: DenialCase = {
  name: 'several rules broken at once',
  id: SITES,
  run: GENERALIZED,
  prepare: (root) => {
    editRegistry(root, SITES, (e) => {
      e.delete('license');
      e.delete('policy_labels');
    });
    tamper(rawFile(root), (t) => t.replace('rock art', 'rock-art'));
    tamper(join(runDir(root, SITES, GENERALIZED), 'run_record.json'), (t) => `${t}\n`);
    tamper(workArtifact(root), (t) => t.replace('homestead', 'farmstead'));
  },
  codes: [
    'LICENSE_MISSING',
    'POLICY_LABELS_MISSING',
    'RAW_CHECKSUM_MISMATCH',
    'RECEIPT_INVALID',
    'ARTIFACT_CHECKSUM_MISSING',
  ],
  says: [
    /sites-generalized\/sites\.geojson/,
    /run_record\.json/,
    /runs\/sites-generalized\/artifacts\/sites\.geojson/,
  ],
  after: async (root, expect) => {
    // `kfm log --json` lists the denial with all five reasons.
    const denied = await kfmLog(root, ['--run_id', GENERALIZED, '--type', 'promotion.denied']);
    expect(denied.map((e) => (e.payload as { reasons: GateReason[] }).reasons.length)).toEqual([5]);
    // The same root state, in the human output: one DENIED line per failure, in the gate's order.
    // (A fresh copy: every stage re-renders the run's receipts, so the denial above healed run_record.json.)
    const again = roots.clone(template);
    await SEVERAL.prepare(again);
    const run = await kfm(again, ['promote', SITES, '--run_id', GENERALIZED]);
    expect(run.status).toBe(3);
    const lines = run.stdout.split('\n').filter((line) => line.includes('DENIED'));
    expect(lines.map((line) => /DENIED ([A-Z_]+)/.exec(line)?.[1])).toEqual(SEVERAL.codes);
  },
};

const CASES: DenialCase[] = [
  {
    name: 'the registry file was deleted after validation',
    id: STATIONS,
    run: VALIDATED,
    prepare: (root) => rmSync(registryPath(root, STATIONS)),
    codes: ['REGISTRY_MISSING'],
  },
  ...(['license', 'sensitivity'] as const).map(
    (field): DenialCase => ({
      name: `the registry lost its ${field} after validation`,
      id: STATIONS,
      run: VALIDATED,
      prepare: (root) => editRegistry(root, STATIONS, (e) => e.delete(field)),
      codes: [field === 'license' ? 'LICENSE_MISSING' : 'SENSITIVITY_MISSING'],
      says: [new RegExp(`registry ${field}`)],
    }),
  ),
  {
    name: 'the registry declares an empty policy_labels list',
    id: STATIONS,
    run: VALIDATED,
    prepare: (root) => editRegistry(root, STATIONS, (e) => e.set('policy_labels', [])),
    codes: ['POLICY_LABELS_MISSING'],
  },
  {
    name: 'the registry had no licence from the start (validation failed too)',
    id: STATIONS,
    run: 'stations-unlicensed',
    prepare: async (root) => {
      editRegistry(root, STATIONS, (e) => e.delete('license'));
      await stage(root, ['ingest', STATIONS, '--run_id', 'stations-unlicensed']);
      await stage(root, ['validate', STATIONS, '--run_id', 'stations-unlicensed'], 3);
    },
    codes: ['LICENSE_MISSING', 'VALIDATION_FAILED'],
  },
  {
    name: 'a raw capture was edited after capture',
    id: SITES,
    run: GENERALIZED,
    prepare: (root) => tamper(rawFile(root), (t) => t.replace('rock art', 'rock-art')),
    codes: ['RAW_CHECKSUM_MISMATCH'],
    says: [new RegExp(`${GENERALIZED}/sites\\.geojson`)],
  },
  {
    name: 'the run was never validated',
    id: STATIONS,
    run: 'stations-unvalidated',
    prepare: (root) => stage(root, ['ingest', STATIONS, '--run_id', 'stations-unvalidated']),
    codes: ['VALIDATION_MISSING'],
    says: [/never validated/],
  },
  {
    name: 'the run was transformed again after its validation',
    id: SITES,
    run: GENERALIZED,
    prepare: (root) => stage(root, ['transform', SITES, '--run_id', GENERALIZED]),
    codes: ['VALIDATION_MISSING'],
    says: [/after the validation/],
  },
  {
    name: 'the latest validation failed (duplicate station ids)',
    id: STATIONS,
    run: 'stations-duplicates',
    prepare: async (root) => {
      await ingestEditedFixture(root, STATIONS, 'stations-duplicates', (doc) => {
        doc.features[1]!.properties.station_id = doc.features[0]!.properties.station_id;
      });
      await stage(root, ['validate', STATIONS, '--run_id', 'stations-duplicates'], 3);
    },
    codes: ['VALIDATION_FAILED'],
  },
  ...(['run_record.json', 'validation_report.json'] as const).map(
    (name): DenialCase => ({
      name: `${name} was edited after it was written`,
      id: STATIONS,
      run: VALIDATED,
      prepare: (root) => tamper(join(runDir(root, STATIONS, VALIDATED), name), (t) => t.replace('{', '{ ')),
      codes: ['RECEIPT_INVALID'],
      // The denial records the digest it found, so the tampering stays evidenced in the ledger.
      says: [
        new RegExp(
          `${name.replace('.', '\\.')} \\(expected sha256 [0-9a-f]{64}, found sha256 [0-9a-f]{64}\\)`,
        ),
      ],
    }),
  ),
  {
    name: 'the generalized work artifact was edited after validation',
    id: SITES,
    run: GENERALIZED,
    prepare: (root) => tamper(workArtifact(root), (t) => t.replace('homestead', 'farmstead')),
    codes: ['ARTIFACT_CHECKSUM_MISSING'],
    says: [/artifacts\/sites\.geojson/],
  },
  {
    // The required test: the sensitive dataset without its generalization transform.
    name: 'ks_archaeological_sites is promoted without running transform',
    id: SITES,
    run: UNTRANSFORMED,
    prepare: () => undefined,
    codes: ['REDACTION_REQUIRED'],
    says: [/transform/],
    after: (root, expect) => {
      expect(processedEntries(root, SITES)).toEqual([]);
      // Raw stays exact and untouched (the second ingest reused the first, identical capture).
      const rawDir = join(root, 'data', 'raw', SITES);
      const captures = filesUnder(rawDir).filter((p) => p.endsWith('sites.geojson'));
      expect(captures).toEqual([`${GENERALIZED}/sites.geojson`]);
      expect(readFileSync(join(rawDir, captures[0]!))).toEqual(readFileSync(fixturePath(SITES)));
    },
  },
  {
    name: 'the published coordinates are finer than the registry precision',
    id: SITES,
    run: GENERALIZED,
    prepare: (root) => editRegistry(root, SITES, (e) => e.set('generalization', { precision_deg: 0.5 })),
    codes: ['REDACTION_REQUIRED'],
    says: [/finer than 0\.5/],
  },
  {
    name: 'a sensitive-location entry declares no generalization precision',
    id: SITES,
    run: GENERALIZED,
    prepare: (root) => editRegistry(root, SITES, (e) => e.delete('generalization')),
    codes: ['REDACTION_REQUIRED'],
    says: [/registry generalization/],
  },
  {
    name: 'an aggregate-only dataset publishes rows no aggregate transform produced',
    id: POPULATION,
    run: TABLE,
    prepare: (root) => editRegistry(root, POPULATION, (e) => e.set('sensitivity', 'aggregate-only')),
    codes: ['AGGREGATE_REQUIRED'],
  },
  {
    name: 'the registry lacks every field DCAT-US requires',
    id: STATIONS,
    run: VALIDATED,
    prepare: (root) =>
      editRegistry(root, STATIONS, (e) => {
        for (const field of ['title', 'description', 'publisher', 'contact_point', 'keywords'])
          e.delete(field);
      }),
    codes: ['CATALOG_INVALID'],
    says: ['title', 'description', 'publisher', 'contact_point', 'keywords'].map(
      (f) => new RegExp(`registry ${f}:`),
    ),
  },
  {
    name: 'a dataset declared spatial has no extent, so its STAC Collection cannot validate',
    id: POPULATION,
    run: TABLE,
    prepare: (root) => editRegistry(root, POPULATION, (e) => e.set('spatial', true)),
    codes: ['CATALOG_INVALID'],
    says: [/stac catalog does not validate/],
  },
  SEVERAL,
];

interface DeniedJson extends StageJson {
  reasons: GateReason[];
}

describe.concurrent('kfm promote denies, exits 3 and writes nothing to processed/ or catalog/ when', () => {
  for (const c of CASES) {
    it(c.name, { timeout: 120_000 }, async ({ expect }) => {
      const root = roots.clone(template);
      await c.prepare(root);
      const before = publishedZones(root);
      expect(Object.keys(before).length).toBeGreaterThan(5); // the stations version and its catalogs

      const { json } = await stage<DeniedJson>(root, ['promote', c.id, '--run_id', c.run], 3);
      expect(json).toMatchObject({
        status: 'denied',
        exit: 3,
        dataset_id: c.id,
        run_id: c.run,
        stage: 'promote',
      });
      expect(json).not.toHaveProperty('version_id');
      expect([...new Set(json.reasons.map((r) => r.code))].sort()).toEqual([...c.codes].sort());
      for (const reason of json.reasons) {
        expect(Object.keys(reason).sort()).toEqual(['code', 'message']);
        expect(reason.message.length).toBeGreaterThan(10);
      }
      const messages = json.reasons.map((r) => r.message).join('\n');
      for (const pattern of c.says ?? []) expect(messages).toMatch(pattern);

      expect(publishedZones(root)).toEqual(before);
      const denied = ledgerEvents(root, { run_id: c.run, type: 'promotion.denied' });
      expect(denied).toHaveLength(1);
      expect(denied[0]).toMatchObject({ dataset_id: c.id, payload: { reasons: json.reasons } });
      expect(denied[0]!.seq).toBeGreaterThan(json.seq!.first);
      expect(denied[0]!.seq).toBeLessThan(json.seq!.last);
      await c.after?.(root, expect);
    });
  }
});
