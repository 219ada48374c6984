import { describe, expect, it } from 'vitest';
import { renderProv } from '../../../src/catalogs/prov.js';
import type { ProvAttributes, ProvDocument } from '../../../src/catalogs/prov-document.js';
import { validateProv } from '../../../src/catalogs/validate-catalogs.js';
import { nodeSha256Hex } from '../../../src/ledger/node-hasher.js';
import { renderReceipt } from '../../../src/projections/render-receipt.js';
import { projectRunManifest } from '../../../src/projections/run-manifest.js';
import { H, ledgerEvents, started } from '../../support/ledger-events.js';
import { ARCHAEOLOGY, archaeologyRun, RUN } from './support.js';

const { DS, RAW, WORK } = ARCHAEOLOGY;
const raw = `kfm:raw/${DS}/${RAW}`;
const work = `kfm:work/${DS}/${WORK}`;
const processed = `kfm:processed/${DS}/v1111111111111111/sites.geojson`;
const generalize = `kfm:run/${RUN}/transform/generalize_geometry/6`;

const relations = (doc: ProvDocument, kind: keyof ProvDocument) =>
  Object.values((doc[kind] ?? {}) as Record<string, ProvAttributes>);

describe('renderProv', () => {
  // One run's events throughout: each call of archaeologyRun() seals new event ids and hashes.
  const run = archaeologyRun();
  const doc = renderProv(run, { operator: 'ops-team' });

  it('renders schema-valid PROV-JSON with its prefix declared', () => {
    expect(validateProv(doc)).toEqual({ valid: true, errors: [] });
    expect(doc.prefix).toEqual({ kfm: 'urn:kfm:' });
  });

  it('makes each stage an activity timed by its run.started and run.completed events', () => {
    const events = archaeologyRun();
    const ingest = doc.activity?.[`kfm:run/${RUN}/ingest/1`];
    expect(ingest).toMatchObject({
      'prov:startTime': events[0]!.recorded_at,
      'prov:endTime': events[2]!.recorded_at,
      'kfm:status': 'succeeded',
    });
    expect(
      Object.keys(doc.activity ?? {}).filter((id) => /\/(ingest|transform|validate|promote)\/\d+$/.test(id)),
    ).toHaveLength(4);
  });

  it('shows the generalization as its own activity between the raw and the work file', () => {
    expect(doc.activity?.[generalize]).toMatchObject({
      'prov:label': 'generalize_geometry',
      'kfm:params': '{"method":"snap_to_grid","precision_deg":0.1}',
      'kfm:summary': '{"features":3,"features_changed":3,"precision_deg":0.1}',
    });
    expect(relations(doc, 'used')).toContainEqual({ 'prov:activity': generalize, 'prov:entity': raw });
    expect(relations(doc, 'wasGeneratedBy')).toContainEqual(
      expect.objectContaining({ 'prov:activity': generalize, 'prov:entity': work }),
    );
    expect(relations(doc, 'wasDerivedFrom')).toContainEqual({
      'prov:activity': generalize,
      'prov:generatedEntity': work,
      'prov:usedEntity': raw,
    });
  });

  it('derives each processed artifact from the work file promote copied, with checksums', () => {
    expect(doc.entity?.[raw]).toMatchObject({ 'kfm:sha256': H('1') });
    expect(doc.entity?.[processed]).toMatchObject({
      'kfm:sha256': H('2'),
      'kfm:version_id': 'v1111111111111111',
    });
    expect(relations(doc, 'wasDerivedFrom')).toContainEqual(
      expect.objectContaining({ 'prov:generatedEntity': processed, 'prov:usedEntity': work }),
    );
    expect(relations(doc, 'hadMember')).toContainEqual({
      'prov:collection': `kfm:version/${DS}/v1111111111111111`,
      'prov:entity': processed,
    });
  });

  it('names the connector, the tool and the operator as agents of every stage', () => {
    expect(Object.keys(doc.agent ?? {}).sort()).toEqual([
      `kfm:connector/${DS}`,
      'kfm:operator/ops-team',
      'kfm:tool/kfm/test',
    ]);
    const promote = `kfm:run/${RUN}/promote/11`;
    const agents = relations(doc, 'wasAssociatedWith')
      .filter((a) => a['prov:activity'] === promote)
      .map((a) => a['prov:agent']);
    expect(agents).toEqual(['kfm:tool/kfm/test', `kfm:connector/${DS}`, 'kfm:operator/ops-team']);
  });

  it('renders the same bytes from the events promote saw and from the whole run replayed later', () => {
    const seen = run.slice(0, run.findIndex((e) => e.type === 'version.published') + 1);
    const atPublication = renderReceipt(renderProv(seen, { operator: 'ops-team' }));
    expect(renderReceipt(doc)).toBe(atPublication);
    expect(renderReceipt(renderProv([...run].reverse(), { operator: 'ops-team' }))).toBe(atPublication);
  });

  it('has no generalization activity when the run applied no transform', () => {
    const run = ledgerEvents('ks_demo', [
      ['R1', 'run.started', started('ingest')],
      [
        'R1',
        'raw.captured',
        { capture_id: 'c1', path: 'c1/a.csv', sha256: H('1'), bytes: 1, source_uri: 'file:///a.csv' },
      ],
      ['R1', 'run.completed', { status: 'succeeded' }],
    ]);
    const plain = renderProv(run);
    expect(validateProv(plain).valid).toBe(true);
    expect(Object.values(plain.activity ?? {}).filter((a) => a['kfm:transform'] !== undefined)).toEqual([]);
    expect(plain.agent?.['kfm:operator/operator']).toBeDefined();
  });

  it('keeps ids valid when paths and run ids carry characters a qualified name cannot', () => {
    const run = ledgerEvents('ks_demo', [
      ['run_2026-02-16T00:00:00Z', 'run.started', started('ingest')],
      [
        'run_2026-02-16T00:00:00Z',
        'raw.captured',
        { capture_id: 'c', path: "c/my file (1)'.csv", sha256: H('1'), bytes: 1, source_uri: 'file:///a' },
      ],
      [
        'run_2026-02-16T00:00:00Z',
        'run.completed',
        { status: 'failed', error: { code: 'UPSTREAM', message: 'x' } },
      ],
    ]);
    const odd = renderProv(run);
    expect(validateProv(odd).errors).toEqual([]);
    expect(Object.keys(odd.entity ?? {})).toEqual([
      'kfm:raw/ks_demo/c/my%20file%20%281%29%27.csv',
      'kfm:source/file%3A///a',
    ]);
    expect(Object.keys(odd.activity ?? {})).toEqual(['kfm:run/run_2026-02-16T00%3A00%3A00Z/ingest/1']);
  });

  it('records a denied promotion and a rerun that reused a published version', () => {
    const version = { version_id: 'v1111111111111111', content_hash: H('c') };
    const registry = {
      dataset_id: 'ks_demo',
      license: 'CC0-1.0',
      sensitivity: 'public',
      policy_labels: ['open-data'],
    };
    const run = ledgerEvents('ks_demo', [
      ['R2', 'run.started', started('ingest')],
      [
        'R2',
        'raw.captured',
        {
          capture_id: 'c2',
          path: 'c1/a.csv',
          sha256: H('1'),
          bytes: 1,
          source_uri: 'file:///a.csv',
          seen_before: true,
        },
      ],
      ['R2', 'run.completed', { status: 'succeeded' }],
      ['R2', 'run.started', started('promote')],
      ['R2', 'promotion.denied', { reasons: [{ code: 'VALIDATION_MISSING', message: 'no validation' }] }],
      ['R2', 'run.completed', { status: 'denied' }],
      ['R2', 'run.started', started('promote')],
      ['R2', 'version.reused', { ...version, registry }],
    ]);
    const doc = renderProv(run);
    expect(validateProv(doc)).toEqual({ valid: true, errors: [] });
    expect(doc.activity?.['kfm:run/R2/promote/4']).toMatchObject({
      'kfm:status': 'denied',
      'kfm:denied': ['VALIDATION_MISSING'],
    });
    // Captured before: used by this run's ingest, generated by an earlier one.
    expect(relations(doc, 'used')).toContainEqual(
      expect.objectContaining({
        'prov:activity': 'kfm:run/R2/ingest/1',
        'prov:entity': 'kfm:raw/ks_demo/c1/a.csv',
      }),
    );
    expect(relations(doc, 'wasGeneratedBy')).toEqual([]);
    expect(relations(doc, 'used')).toContainEqual(
      expect.objectContaining({
        'prov:activity': 'kfm:run/R2/promote/7',
        'prov:entity': 'kfm:version/ks_demo/v1111111111111111',
      }),
    );
  });

  it('chains the stages of a run: each is informed by the one before it', () => {
    expect(relations(doc, 'wasInformedBy')).toEqual([
      { 'prov:informed': `kfm:run/${RUN}/transform/4`, 'prov:informant': `kfm:run/${RUN}/ingest/1` },
      { 'prov:informed': `kfm:run/${RUN}/validate/8`, 'prov:informant': `kfm:run/${RUN}/transform/4` },
      { 'prov:informed': `kfm:run/${RUN}/promote/11`, 'prov:informant': `kfm:run/${RUN}/validate/8` },
    ]);
  });

  it('starts each transform activity from its stage', () => {
    expect(relations(doc, 'wasStartedBy')).toEqual([
      { 'prov:activity': generalize, 'prov:starter': `kfm:run/${RUN}/transform/4` },
    ]);
  });

  it('has promote use the validation report, labelled with its outcome and with the sha256 of its receipt', () => {
    const report = `kfm:validation/${DS}/${RUN}/9`;
    // The same bytes run_manifest.json names as the report the promotion read.
    const manifest = projectRunManifest(run, run, nodeSha256Hex);
    expect(doc.entity?.[report]).toMatchObject({
      'prov:label': `validation report of run ${RUN} (passed)`,
      'kfm:sha256': manifest!.validation!.report_sha256,
    });
    expect(relations(doc, 'used')).toContainEqual({
      'prov:activity': `kfm:run/${RUN}/promote/11`,
      'prov:entity': report,
      'prov:role': { $: 'kfm:validation_report', type: 'prov:QUALIFIED_NAME' },
    });
  });

  it('has ingest use the upstream source, and derives each raw file from it', () => {
    const source = 'kfm:source/file%3Aconnectors/ks_archaeological_sites/fixtures/sites.geojson';
    expect(doc.entity?.[source]).toMatchObject({
      'prov:label': 'file:connectors/ks_archaeological_sites/fixtures/sites.geojson',
    });
    expect(relations(doc, 'used')).toContainEqual({
      'prov:activity': `kfm:run/${RUN}/ingest/1`,
      'prov:entity': source,
    });
    expect(relations(doc, 'wasDerivedFrom')).toContainEqual({
      'prov:activity': `kfm:run/${RUN}/ingest/1`,
      'prov:generatedEntity': raw,
      'prov:usedEntity': source,
    });
  });

  it('makes a superseding version a revision of the one it supersedes (PROV-DM wasRevisionOf)', () => {
    const events = archaeologyRun().map((e) =>
      e.type === 'version.published'
        ? { ...e, payload: { ...(e.payload as object), supersedes: 'v0000000000000000' } }
        : e,
    );
    const doc = renderProv(events);
    expect(validateProv(doc)).toEqual({ valid: true, errors: [] });
    const previous = `kfm:version/${DS}/v0000000000000000`;
    expect(doc.entity?.[previous]).toMatchObject({ 'prov:label': 'v0000000000000000' });
    expect(relations(doc, 'wasDerivedFrom')).toContainEqual({
      'prov:generatedEntity': `kfm:version/${DS}/v1111111111111111`,
      'prov:usedEntity': previous,
      'prov:type': { $: 'prov:Revision', type: 'prov:QUALIFIED_NAME' },
    });
    // The first version revises nothing.
    const first = renderProv(archaeologyRun());
    expect(relations(first, 'wasDerivedFrom').filter((r) => r['prov:type'] !== undefined)).toEqual([]);
  });

  it('ends promote at the publication it records, as rendered before its run.completed exists', () => {
    const events = archaeologyRun('published');
    const published = events.find((e) => e.type === 'version.published')!;
    const atPublication = renderProv(events);
    expect(atPublication.activity?.[`kfm:run/${RUN}/promote/11`]).toMatchObject({
      'prov:startTime': events[10]!.recorded_at,
      'prov:endTime': published.recorded_at,
    });
    // A document read through the run.completed takes that event's time instead.
    const all = archaeologyRun();
    const through = renderProv(all, { through_seq: all.at(-1)!.seq });
    expect(through.activity?.[`kfm:run/${RUN}/promote/11`]).toMatchObject({
      'prov:endTime': all.at(-1)!.recorded_at,
      'kfm:status': 'succeeded',
    });
  });

  it('stops at through_seq when asked', () => {
    const early = renderProv(archaeologyRun(), { through_seq: 3 });
    expect(Object.keys(early.activity ?? {})).toEqual([`kfm:run/${RUN}/ingest/1`]);
  });
});
