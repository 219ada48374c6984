import type { CatalogEntry, CatalogInput } from '../../catalogs/catalog-input.js';
import { validateCatalogDocument } from '../../catalogs/validate-catalogs.js';
import type { DatasetEntry, MissingField } from '../../registry/dataset-entry.js';
import { registryFixOf } from '../../registry/dataset-entry.js';
import { dcatDatasetFile, stacFiles } from './catalog-files.js';

/** The entry as the catalogs need it; one the gate will deny (no licence, …) renders nothing. */
export function catalogEntryOf(entry: DatasetEntry | undefined | null): CatalogEntry | null {
  if (entry?.license === undefined || entry.sensitivity === undefined || entry.policy_labels === undefined)
    return null;
  return entry as CatalogEntry;
}

/**
 * The registry field behind a catalog member, by the member's JSON Pointer (first match wins);
 * what no registry field fills (ids, URLs, times of the version) maps to ''.
 */
const FIELD_OF: readonly (readonly [prefix: string, field: string])[] = [
  ['dcat /contactPoint/hasEmail', 'contact_point.hasEmail'],
  ['dcat /contactPoint/fn', 'contact_point.fn'],
  ['dcat /contactPoint', 'contact_point'],
  ['dcat /keyword', 'keywords'],
  ['stac /keywords', 'keywords'],
  ['stac /extent/temporal', 'temporal'],
  ['stac /properties/start_datetime', 'temporal'],
  ['stac /properties/end_datetime', 'temporal'],
  ['stac /properties/license', 'license'],
  ['stac /providers', 'publisher'],
  ...['title', 'description', 'publisher', 'license', 'temporal'].flatMap((f) => [
    [`dcat /${f}`, f] as const,
    [`stac /${f}`, f] as const,
  ]),
];

function registryFieldOf(kind: string, path: string): string {
  const at = `${kind} ${path}`;
  return FIELD_OF.find(([prefix]) => at === prefix || at.startsWith(`${prefix}/`))?.[1] ?? '';
}

/**
 * A stand-in for the first version a promotion would publish: the catalogs' registry facts do not
 * depend on the data, and a fixed time keeps `kfm registry validate` output the same on every run.
 */
function placeholderInput(datasetId: string, entry: CatalogEntry): CatalogInput {
  const spatial = entry.spatial === true;
  const path = spatial ? 'placeholder.geojson' : 'placeholder.csv';
  return {
    dataset_id: datasetId,
    entry,
    versions: [
      {
        version_id: `v${'0'.repeat(16)}`,
        content_hash: '0'.repeat(64),
        run_id: '0'.repeat(26),
        published_at: '2000-01-01T00:00:00.000Z',
        supersedes: null,
        artifacts: [
          {
            path,
            sha256: '0'.repeat(64),
            bytes: 0,
            media_type: spatial ? 'application/geo+json' : 'text/csv',
          },
        ],
        ...(spatial ? { bbox: [-98, 38, -97, 39] } : {}),
      },
    ],
  };
}

/**
 * What CATALOG_INVALID a promotion of this entry would meet: its DCAT-US dataset (and, when spatial,
 * its STAC collection and item) rendered around a placeholder version and validated against the
 * official schemas, as promote does before the gate. Only an entry the gate would render catalogs
 * for is checked; a failure of a field `missingForPromotion` already reports is not said twice.
 */
export function catalogProblems(
  entry: DatasetEntry,
  alreadyMissing: readonly MissingField[],
): MissingField[] {
  const catalogEntry = catalogEntryOf(entry);
  if (catalogEntry === null) return [];
  const input = placeholderInput(entry.dataset_id, catalogEntry);
  const files = [dcatDatasetFile(input), ...(entry.spatial === true ? stacFiles(input) : [])];
  const missing = new Set(alreadyMissing.map((m) => m.field));
  const problems: MissingField[] = [];
  for (const file of files) {
    for (const error of validateCatalogDocument(file.kind, file.document).errors) {
      const field = registryFieldOf(file.kind, error.path);
      if (missing.has(field.split('.')[0]!)) continue;
      problems.push({
        field,
        code: 'CATALOG_INVALID',
        message: `the ${file.kind.toUpperCase()} record's ${error.path || '/'} ${error.message}`,
        fix: registryFixOf(field),
      });
    }
  }
  return problems;
}
