import { describe, expect, it } from 'vitest';
import type { DatasetProfile } from '../../../src/events/index.js';
import type { LedgerEvent } from '../../../src/projections/ledger-event.js';
import { openLineageIssues } from '../../support/openlineage-schema.js';
import { HISTORY, projectLines, R1 } from './openlineage-history.js';

const profile = (artifacts: DatasetProfile['artifacts']): DatasetProfile => ({
  rows: 3,
  artifacts,
  columns: [
    {
      name: 'pop',
      type: 'integer',
      types: { integer: 2 },
      nulls: 1,
      null_rate: 1 / 3,
      distinct: 2,
      distinct_exact: true,
      min: 7,
      max: 90,
    },
    {
      name: 'owner',
      type: 'string',
      types: { string: 3 },
      nulls: 0,
      null_rate: 0,
      distinct: 1,
      distinct_exact: true,
      restricted: true,
    },
  ],
});

/** The hand-built history with this profile in its validation.reported. */
function validateEventWith(p: DatasetProfile) {
  const history: LedgerEvent[] = HISTORY.map((e) =>
    e.type === 'validation.reported' ? { ...e, payload: { ...e.payload, profile: p } } : e,
  );
  return projectLines(history)
    .map((l) => JSON.parse(l))
    .find((e) => e.job.name === 'ks_demo.validate' && e.eventType === 'COMPLETE');
}

describe('the profile as the OpenLineage dataQualityMetrics input facet', () => {
  it("gives the validated file its row count and the profile's column metrics", () => {
    const event = validateEventWith(profile([{ path: `${R1}/a.csv`, rows: 3 }]));
    expect(event.inputs[0].inputFacets.dataQualityMetrics).toEqual({
      _producer: 'urn:kfm-ledger:kfm',
      _schemaURL:
        'https://openlineage.io/spec/facets/1-0-3/DataQualityMetricsInputDatasetFacet.json#/$defs/DataQualityMetricsInputDatasetFacet',
      rowCount: 3,
      fileCount: 1,
      columnMetrics: {
        pop: { nullCount: 1, distinctCount: 2, count: 2, min: 7, max: 90 },
        owner: { nullCount: 0, distinctCount: 1, count: 3 },
      },
    });
  });

  it('validates against the OpenLineage facet schema', () => {
    const event = validateEventWith(profile([{ path: `${R1}/a.csv`, rows: 3 }]));
    expect(openLineageIssues(event, { strict: true })).toEqual([]);
  });

  it('gives only the row count when the profile merges several files', () => {
    const event = validateEventWith(
      profile([
        { path: `${R1}/a.csv`, rows: 2 },
        { path: `${R1}/b.csv`, rows: 1 },
      ]),
    );
    expect(event.inputs[0].inputFacets.dataQualityMetrics).toMatchObject({
      rowCount: 2,
      fileCount: 1,
      columnMetrics: {},
    });
    expect(openLineageIssues(event, { strict: true })).toEqual([]);
  });

  it('adds no metrics facet for a validation recorded without a profile', () => {
    const event = projectLines(HISTORY)
      .map((l) => JSON.parse(l))
      .find((e) => e.job.name === 'ks_demo.validate' && e.eventType === 'COMPLETE');
    expect(Object.keys(event.inputs[0].inputFacets)).toEqual(['dataQualityAssertions']);
  });
});
