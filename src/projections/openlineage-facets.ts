/**
 * The facets kfm's OpenLineage events use, each with the `_schemaURL` of the OpenLineage 2-0-2 facet
 * schema it follows (the `$id` of the file in spec/facets/, plus the JSON Pointer to its definition,
 * as OpenLineage's own clients write it) and kfm's custom run facet, whose schema ships in
 * schemas/openlineage/.
 */

/** URI naming kfm as the producer. A constant, not the running version: the export must not change when kfm is upgraded (the version is in processing_engine). */
export const KFM_PRODUCER = 'urn:kfm-ledger:kfm';

export const RUN_EVENT_SCHEMA_URL = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';

const standard = (version: string, name: string) =>
  `https://openlineage.io/spec/facets/${version}/${name}.json#/$defs/${name}`;

export const RUN_FACETS = {
  parent: standard('1-2-0', 'ParentRunFacet'),
  nominalTime: standard('1-0-1', 'NominalTimeRunFacet'),
  processing_engine: standard('1-1-1', 'ProcessingEngineRunFacet'),
  errorMessage: standard('1-0-1', 'ErrorMessageRunFacet'),
} as const;

export const JOB_FACETS = { jobType: standard('2-0-4', 'JobTypeJobFacet') } as const;

export const DATASET_FACETS = {
  dataSource: standard('1-0-1', 'DatasourceDatasetFacet'),
  version: standard('1-0-1', 'DatasetVersionDatasetFacet'),
  storage: standard('1-0-1', 'StorageDatasetFacet'),
  lifecycleStateChange: standard('1-0-1', 'LifecycleStateChangeDatasetFacet'),
  dataQualityAssertions: standard('1-1-0', 'DataQualityAssertionsDatasetFacet'),
  schema: standard('1-2-0', 'SchemaDatasetFacet'),
  dataQualityMetrics: standard('1-0-3', 'DataQualityMetricsInputDatasetFacet'),
} as const;

/** `$id` of schemas/openlineage/KfmLedgerRunFacet.json: the ledger event behind an OpenLineage event. */
const KFM_LEDGER_FACET_ID = 'urn:kfm-ledger:openlineage:facets:1-0-0:KfmLedgerRunFacet';
export const KFM_LEDGER_FACET = `${KFM_LEDGER_FACET_ID}#/$defs/KfmLedgerRunFacet`;

export type Facet = { _producer: string; _schemaURL: string } & Record<string, unknown>;

export function facet(schemaURL: string, fields: Record<string, unknown>): Facet {
  return { _producer: KFM_PRODUCER, _schemaURL: schemaURL, ...fields };
}
