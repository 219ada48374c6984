import type { DatasetProfile, PayloadOf } from '../events/index.js';
import { isType, type LedgerEvent, type LedgerEventOf } from './ledger-event.js';
import { DATASET_FACETS, type Facet, facet } from './openlineage-facets.js';

/**
 * The datasets of OpenLineage events (see openlineage.ts): upstream sources named by their URI,
 * kfm's raw, work and catalog files and its versions in the ledger's namespace, with the facets the
 * events know. Pure.
 */

export interface OpenLineageDataset {
  namespace: string;
  name: string;
  facets?: Record<string, Facet>;
  inputFacets?: Record<string, Facet>;
}

export interface StageFiles {
  inputs: OpenLineageDataset[];
  outputs: OpenLineageDataset[];
}

/**
 * The raw and work files earlier stages of the run recorded: what a later stage reads. Promote
 * publishes exactly what the run's last validation read, when that validation names its outputs.
 */
export function stageFiles(stage: string, before: readonly LedgerEvent[], namespace: string): StageFiles {
  const inputs: OpenLineageDataset[] = [];
  for (const event of before) {
    const file = fileDataset(event, namespace);
    if (file !== null) addDataset(inputs, file);
  }
  const validation = before.findLast((e) => isType(e, 'validation.reported'));
  const validated =
    validation !== undefined && isType(validation, 'validation.reported')
      ? validation.payload.outputs
      : undefined;
  if (stage !== 'promote' || validated === undefined) return { inputs, outputs: [] };
  const shas = new Set(validated.map((o) => o.sha256));
  return { inputs: inputs.filter((d) => shas.has(String(d.facets?.version?.datasetVersion))), outputs: [] };
}

function fileDataset(event: LedgerEvent, namespace: string): OpenLineageDataset | null {
  if (isType(event, 'raw.captured'))
    return zoneFile(namespace, `data/raw/${event.dataset_id}/${event.payload.path}`, event.payload.sha256);
  if (isType(event, 'work.artifact.written'))
    return zoneFile(namespace, `data/work/${event.dataset_id}/${event.payload.path}`, event.payload.sha256);
  return null;
}

/** A file in a zone; its format by extension for every zone alike (a capture's media type would name raw files differently from the same format elsewhere). */
function zoneFile(namespace: string, name: string, sha256: string): OpenLineageDataset {
  return {
    namespace,
    name,
    facets: {
      version: facet(DATASET_FACETS.version, { datasetVersion: sha256 }),
      storage: facet(DATASET_FACETS.storage, { storageLayer: 'file', fileFormat: fileFormat(name) }),
    },
  };
}

/** A file's format from its extension ("csv", "geojson"), the form StorageDatasetFacet's examples use. */
function fileFormat(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot < 0 || dot < name.lastIndexOf('/') ? 'unknown' : name.slice(dot + 1).toLowerCase();
}

function addDataset(list: OpenLineageDataset[], dataset: OpenLineageDataset): void {
  const at = list.findIndex((d) => d.namespace === dataset.namespace && d.name === dataset.name);
  if (at < 0) list.push(dataset);
  else list[at] = dataset;
}

/**
 * The `schema` facet of what a validation checked: the record schema the connector declared, as its
 * schema check recorded it (contract/validation/builtin-checks.ts). None when the connector declared
 * none (a stage runner of its own) or the validation predates the record.
 */
export function declaredSchema(events: readonly LedgerEvent[]): Facet | undefined {
  const validation = events.findLast((e) => isType(e, 'validation.reported'));
  if (validation === undefined || !isType(validation, 'validation.reported')) return undefined;
  const declared = validation.payload.checks.find((c) => c.name === 'schema')?.details?.declared_fields;
  if (!Array.isArray(declared)) return undefined;
  const fields = declared.flatMap((f: { name?: unknown; type?: unknown } | null) =>
    typeof f?.name === 'string'
      ? [{ name: f.name, ...(typeof f.type === 'string' ? { type: f.type } : {}) }]
      : [],
  );
  return fields.length === 0 ? undefined : facet(DATASET_FACETS.schema, { fields });
}

/**
 * What a finished stage read and wrote, from the events it recorded; `schema` (declaredSchema of
 * the run so far) goes on the version it published.
 */
export function stageDatasets(
  stage: string,
  earlier: OpenLineageDataset[],
  during: readonly LedgerEvent[],
  namespace: string,
  schema?: Facet,
): StageFiles {
  const inputs = [...earlier];
  const outputs: OpenLineageDataset[] = [];
  for (const event of during) {
    if (isType(event, 'source.discovered') || isType(event, 'raw.captured'))
      addDataset(inputs, sourceDataset(event.payload.source_uri));
    const file = fileDataset(event, namespace);
    if (file !== null) addDataset(outputs, file);
    if (isType(event, 'validation.reported')) assertOn(inputs, event, namespace);
    if (isType(event, 'version.published') || isType(event, 'version.reused'))
      addDataset(outputs, versionDataset(event, namespace, schema));
    if (isType(event, 'catalog.emitted'))
      addDataset(outputs, {
        namespace: namespace,
        name: `data/catalog/${event.payload.path}`,
        facets: {
          version: facet(DATASET_FACETS.version, { datasetVersion: event.payload.sha256 }),
          storage: facet(DATASET_FACETS.storage, { storageLayer: 'file', fileFormat: 'json' }),
        },
      });
  }
  // A stage's inputs are what it read; files it wrote itself are outputs only.
  const written = new Set(outputs.map((d) => `${d.namespace}\n${d.name}`));
  return {
    inputs: stage === 'backfill' ? [] : inputs.filter((d) => !written.has(`${d.namespace}\n${d.name}`)),
    outputs,
  };
}

/**
 * OpenLineage's naming of an upstream (openlineage.io/docs/spec/naming): the namespace is the
 * scheme and authority, the name the path (and query); a local file is namespace `file`.
 */
function sourceDataset(uri: string): OpenLineageDataset {
  let namespace = uri;
  let name = uri;
  try {
    const url = new URL(uri);
    namespace = url.protocol === 'file:' && url.host === '' ? 'file' : `${url.protocol}//${url.host}`;
    name = `${url.pathname}${url.search}`;
  } catch {
    // A source the URL parser refuses keeps its whole text as both parts: still one stable identity.
  }
  return {
    namespace,
    name,
    facets: { dataSource: facet(DATASET_FACETS.dataSource, { name: namespace, uri }) },
  };
}

/** Checks land on the files they validated (by sha256; all inputs when the event names none). */
function assertOn(
  inputs: OpenLineageDataset[],
  event: LedgerEventOf<'validation.reported'>,
  namespace: string,
): void {
  const assertions = facet(DATASET_FACETS.dataQualityAssertions, {
    assertions: event.payload.checks.map((c) => ({ assertion: c.name, success: c.passed })),
  });
  const schema = declaredSchema([event]);
  const validated = new Map(event.payload.outputs?.map((o) => [o.sha256, o.path]));
  const profile = event.payload.profile;
  for (const input of inputs) {
    if (input.namespace !== namespace) continue;
    const sha = String(input.facets?.version?.datasetVersion);
    if (event.payload.outputs !== undefined && !validated.has(sha)) continue;
    const path = validated.get(sha);
    input.inputFacets = {
      dataQualityAssertions: assertions,
      ...(profile === undefined || path === undefined
        ? {}
        : { dataQualityMetrics: qualityMetrics(profile, path) }),
    };
    if (schema !== undefined) input.facets = { ...input.facets, schema };
  }
}

/**
 * The profile as OpenLineage's DataQualityMetricsInputDatasetFacet of one validated file: its row
 * count, and the column metrics when the profile is of that file alone (a profile of several files
 * is one merged profile, whose columns are no single file's). Restricted columns carry counts only,
 * as in the profile; a distinct count past 10,000 is the profile's estimate.
 */
function qualityMetrics(profile: DatasetProfile, path: string): Facet {
  const rows = profile.artifacts.find((a) => a.path === path)?.rows ?? 0;
  const alone = profile.artifacts.length === 1;
  const columnMetrics = alone
    ? Object.fromEntries(
        profile.columns.map((c) => [
          c.name,
          {
            nullCount: c.nulls,
            distinctCount: c.distinct,
            count: profile.rows - c.nulls,
            ...(c.min === undefined ? {} : { min: c.min }),
            ...(c.max === undefined ? {} : { max: c.max }),
          },
        ]),
      )
    : {};
  return facet(DATASET_FACETS.dataQualityMetrics, { rowCount: rows, fileCount: 1, columnMetrics });
}

function versionDataset(
  event: LedgerEventOf<'version.published'> | LedgerEventOf<'version.reused'>,
  namespace: string,
  schema: Facet | undefined,
): OpenLineageDataset {
  const facets: Record<string, Facet> = {
    version: facet(DATASET_FACETS.version, { datasetVersion: event.payload.version_id }),
  };
  // A reused version changes nothing; a new one is the dataset's current content from now on
  // (OVERWRITE of the one it supersedes, whose folder stays as it was).
  if (isType(event, 'version.published')) {
    facets.storage = facet(DATASET_FACETS.storage, {
      storageLayer: 'file',
      fileFormat: versionFormat(event.payload),
    });
    facets.lifecycleStateChange = facet(DATASET_FACETS.lifecycleStateChange, {
      lifecycleStateChange: event.payload.supersedes === null ? 'CREATE' : 'OVERWRITE',
    });
    if (schema !== undefined) facets.schema = schema;
  }
  return { namespace: namespace, name: event.dataset_id, facets };
}

/** The artifacts' format, or their formats joined with "+" when a version mixes several. */
function versionFormat(payload: PayloadOf<'version.published'>): string {
  return [...new Set(payload.artifacts.map((a) => fileFormat(a.path)))].sort().join('+') || 'unknown';
}
