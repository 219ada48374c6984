import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LedgerEvent } from '../../../src/projections/ledger-event.js';
import { projectRunEvent } from '../../../src/projections/openlineage.js';
import { runUuid, stageRunUuid, uuidV5 } from '../../../src/projections/openlineage-ids.js';
import { OPENLINEAGE_VECTORS, openLineageIssues } from '../../support/openlineage-schema.js';
import { historyArb, sealDrafts } from './lineage-events.js';
import { BF, CH, HISTORY, historyOf, NAMESPACE, projectLines, R1 } from './openlineage-history.js';

const EXPECTED = readFileSync(new URL('./openlineage-expected.jsonl', import.meta.url), 'utf8');
const parsed = () => projectLines(HISTORY).map((l) => JSON.parse(l));

describe('OpenLineage run ids', () => {
  it("writes a canonical ULID's 128 bits as the UUID (ULID spec example)", () => {
    expect(runUuid('01ARZ3NDEKTSV4RRFFQ69G5FAV')).toBe('01563e3a-b5d3-d676-4c61-efb99302bd5b');
  });

  it('maps other ids by UUIDv5 as RFC 9562 computes it (Python uuid5(NAMESPACE_DNS, "python.org"))', () => {
    expect(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'python.org')).toBe(
      '886313e1-3b8a-5372-9b90-0c9aee199e5d',
    );
    expect(runUuid('sites-generalized')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('gives distinct run ids distinct UUIDs, a lower-case ULID included', () => {
    expect(runUuid(R1.toLowerCase())).not.toBe(runUuid(R1));
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.oneof(fc.ulid(), fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,20}$/)), {
          minLength: 2,
          maxLength: 30,
        }),
        (ids) => new Set(ids.map(runUuid)).size === ids.length,
      ),
    );
  });

  it('names each stage of a kfm run apart, since OpenLineage run ids are globally unique', () => {
    const ids = ['ingest', 'validate', 'promote'].map((s, i) => stageRunUuid(R1, s, i + 1));
    expect(new Set(ids).size).toBe(3);
  });
});

describe('projectRunEvent', () => {
  it('projects the hand-built history to exactly the expected bytes', () => {
    expect(
      projectLines(HISTORY)
        .map((l) => `${l}\n`)
        .join(''),
    ).toBe(EXPECTED);
  });

  it('gives every event that validates against OpenLineage 2-0-2 and its facet schemas', () => {
    const lines = parsed();
    expect(lines).toHaveLength(10);
    for (const event of lines) expect(openLineageIssues(event, { strict: true })).toEqual([]);
  });

  it('pairs each run.started with one START and one COMPLETE or FAIL under the same run id', () => {
    const pairs = new Map<string, string[]>();
    for (const e of parsed()) pairs.set(e.run.runId, [...(pairs.get(e.run.runId) ?? []), e.eventType]);
    expect([...pairs.values()]).toEqual([
      ['START', 'COMPLETE'],
      ['START', 'COMPLETE'],
      ['START', 'FAIL'],
      ['START', 'COMPLETE'],
      ['START', 'COMPLETE'],
    ]);
  });

  it('makes a denied promotion a FAIL whose facets carry the denial codes', () => {
    const fail = parsed().find((e) => e.eventType === 'FAIL');
    expect(fail.job.name).toBe('ks_demo.promote');
    expect(fail.run.facets.kfm_ledger).toMatchObject({
      seq: 10,
      status: 'denied',
      denial_codes: ['LICENSE_MISSING'],
    });
    expect(fail.run.facets.errorMessage.message).toContain('LICENSE_MISSING');
    expect(fail.outputs).toEqual([]);
  });

  it('puts the validation checks on the file they validated, as dataQualityAssertions', () => {
    const validate = parsed().find((e) => e.job.name === 'ks_demo.validate' && e.eventType === 'COMPLETE');
    expect(validate.inputs).toHaveLength(1);
    expect(validate.inputs[0].name).toBe(`data/raw/ks_demo/${R1}/a.csv`);
    expect(validate.inputs[0].inputFacets.dataQualityAssertions.assertions).toEqual([
      { assertion: 'schema', success: true },
      { assertion: 'license_present', success: true },
    ]);
  });

  it('puts the record schema the connector declared on the files validated and on the version published', () => {
    const declared = [
      { name: 'county', type: 'string' },
      { name: 'population', type: 'integer' },
    ];
    // HISTORY with R1's schema check recording its declared fields, and R1 published, not denied.
    const events = HISTORY.map((e): LedgerEvent => {
      if (e.type === 'validation.reported')
        return {
          ...e,
          payload: {
            ...e.payload,
            checks: [{ name: 'schema', passed: true, details: { declared_fields: declared } }],
          },
        };
      if (e.type === 'promotion.denied')
        return {
          ...e,
          type: 'version.published',
          payload: {
            version_id: 'v0123456789abcdef',
            content_hash: 'ab'.repeat(32),
            artifacts: [{ path: 'a.csv', sha256: '01'.repeat(32), bytes: 10 }],
            supersedes: null,
            registry: { license: 'CC0-1.0', sensitivity: 'public', policy_labels: ['open-data'] },
          },
        };
      if (e.type === 'run.completed' && e.payload.status === 'denied')
        return { ...e, payload: { status: 'succeeded' } };
      return e;
    });
    const lines = projectLines(events).map((l) => JSON.parse(l));
    const schema = {
      _producer: 'urn:kfm-ledger:kfm',
      _schemaURL:
        'https://openlineage.io/spec/facets/1-2-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet',
      fields: declared,
    };
    const completed = (stage: string) =>
      lines.find((e) => e.job.name === `ks_demo.${stage}` && e.eventType === 'COMPLETE');
    expect(
      completed('validate').inputs.map((d: { facets: { schema?: unknown } }) => d.facets.schema),
    ).toEqual([schema]);
    expect(
      completed('promote').outputs.find((d: { name: string }) => d.name === 'ks_demo').facets.schema,
    ).toEqual(schema);
    for (const event of lines) expect(openLineageIssues(event, { strict: true })).toEqual([]);
    // A schema check that recorded no declared fields (a connector's own stage runner) gives none.
    expect(JSON.stringify(parsed())).not.toContain('SchemaDatasetFacet');
  });

  it('names an upstream by its URI (scheme and host; path) with a dataSource facet', () => {
    const ingest = parsed()[1];
    expect(ingest.inputs[0]).toMatchObject({
      namespace: 'https://example.org',
      name: '/data/a.csv?page=1',
      facets: { dataSource: { name: 'https://example.org', uri: 'https://example.org/data/a.csv?page=1' } },
    });
  });

  it('gives a backfill child the backfill stage run as parent, the backfill as root, its window as nominalTime', () => {
    const lines = parsed();
    const backfillStart = lines.find((e) => e.job.name === 'ks_demo.backfill');
    const child = lines.filter((e) => e.run.facets.kfm_ledger.run_id === CH);
    expect(child.map((e) => e.eventType)).toEqual(['START', 'COMPLETE']);
    for (const e of child) {
      expect(e.run.facets.parent).toMatchObject({
        run: { runId: backfillStart.run.runId },
        job: { namespace: NAMESPACE, name: 'ks_demo.backfill' },
        root: { run: { runId: runUuid(BF) }, job: { namespace: NAMESPACE, name: 'ks_demo' } },
      });
      expect(e.run.facets.nominalTime).toMatchObject({
        nominalStartTime: '2026-01-01T00:00:00.000Z',
        nominalEndTime: '2026-01-02T00:00:00.000Z',
      });
    }
  });

  it('gives a ledger prefix exactly the events of the whole ledger up to it (anchored by kfm_ledger.seq)', () => {
    const whole = projectLines(HISTORY);
    const seqOf = (line: string) => JSON.parse(line).run.facets.kfm_ledger.seq as number;
    for (let n = 0; n <= HISTORY.length; n++)
      expect(projectLines(HISTORY.slice(0, n))).toEqual(whole.filter((l) => seqOf(l) <= n));
  });

  it('projects any schema-valid history, in any order, to valid events, and a prefix to a prefix of them', () => {
    const seqOf = (line: string) => JSON.parse(line).run.facets.kfm_ledger.seq as number;
    fc.assert(
      fc.property(historyArb, fc.nat(), ({ drafts }, at) => {
        const events = sealDrafts(drafts);
        const whole = projectLines(events);
        for (const line of whole) expect(openLineageIssues(JSON.parse(line), { strict: true })).toEqual([]);
        const cut = at % (events.length + 1);
        expect(projectLines(events.slice(0, cut))).toEqual(whole.filter((l) => seqOf(l) <= cut));
      }),
      { numRuns: 60 },
    );
  });

  it('skips a completion with no start before it in its run', () => {
    const completion = HISTORY[3]!;
    expect(projectRunEvent(completion, historyOf([completion]), { namespace: NAMESPACE })).toBeNull();
  });
});

describe('the schema check the tests rely on', () => {
  const example = (name: string) =>
    JSON.parse(readFileSync(`${OPENLINEAGE_VECTORS}/examples/${name}.json`, 'utf8')) as unknown;

  it('accepts an official valid event and rejects the official invalid ones', () => {
    expect(openLineageIssues(example('python-client-example_full_event'))).toEqual([]);
    expect(openLineageIssues(example('fluentd-event_no_run_id')).join('\n')).toMatch(/runId/);
    expect(openLineageIssues(example('fluentd-event_invalid_run_facet')).join('\n')).toMatch(/parent\/run/);
  });

  it('rejects a kfm_ledger facet without its seq', () => {
    const event = parsed()[0];
    delete event.run.facets.kfm_ledger.seq;
    expect(openLineageIssues(event).join('\n')).toMatch(/kfm_ledger.*seq/);
  });
});
