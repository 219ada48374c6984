/**
 * The files `kfm connector new` writes (issue 15): a runtime connector module, its registry entry
 * and a small fixture. Pure: paths relative to the root and their text; the command writes them.
 */
import { SENSITIVITY_CLASSES } from '../events/ids.js';

export const SCAFFOLD_KINDS = ['csv', 'geojson', 'http'] as const;
export type ScaffoldKind = (typeof SCAFFOLD_KINDS)[number];

export interface ScaffoldFile {
  /** Relative to the root, `/`-separated. */
  path: string;
  text: string;
}

const CSV_FIXTURE = `site,observed_on,value
alpha,2025-01-01,12.5
beta,2025-01-02,7.25
gamma,2025-01-03,3
`;

const GEOJSON_FIXTURE = `${JSON.stringify(
  {
    type: 'FeatureCollection',
    features: [
      { name: 'alpha', lon: -97.3, lat: 38.5 },
      { name: 'beta', lon: -98.1, lat: 39.0 },
    ].map((f) => ({
      type: 'Feature',
      properties: { name: f.name, observed_on: '2025-01-01' },
      geometry: { type: 'Point', coordinates: [f.lon, f.lat] },
    })),
  },
  null,
  2,
)}\n`;

function connectorModule(datasetId: string, kind: ScaffoldKind): string {
  const geo = kind === 'geojson';
  const record = geo
    ? `  // One GeoJSON feature's properties (its geometry is checked by kfm).
  record: z.strictObject({
    name: z.string().min(1),
    observed_on: z.iso.date(),
  }),`
    : `  // One CSV row: cells are strings, so coerce numbers.
  record: z.strictObject({
    site: z.string().min(1),
    observed_on: z.iso.date(),
    value: z.coerce.number(),
  }),`;
  const discover =
    kind === 'http'
      ? `
  // The registry's upstream.uri as one source. A paged API lists more sources here (or in acquire,
  // reading each capture's headers for the next link): see docs/connector-contract.md.
  discover({ upstream_uri }) {
    return [{ uri: upstream_uri, name: 'records.csv' }];
  },`
      : '';
  return `// Connector for ${datasetId}, scaffolded by \`kfm connector new ${datasetId} --from ${kind}\`.
// kfm loads this module at run time (no rebuild): its default export receives kfm's own
// defineConnector and zod (z), and returns the definition. See README.md, "Write a connector".
export default ({ defineConnector, z }) =>
  defineConnector({
    dataset_id: '${datasetId}',
    format: '${geo ? 'geojson' : 'csv'}',
  ${record.replace(/\n/g, '\n  ')}
    // Fields holding dates: they must parse (and lie in the run's window, when it has one); the
    // earliest and latest are the time span the catalogs state for each version.
    // Have a data dictionary? Add data_dictionary: { url: 'https://…', media_type: 'application/json' }.
    time_fields: ['observed_on'],${discover.replace(/\n/g, '\n  ')}
    checks: [
      {
        name: '${geo ? 'unique_name' : 'unique_site_and_day'}',
        run(records) {
          const seen = new Set();
          const rows = records
            .filter((r) => {
              const key = ${geo ? 'r.fields.name' : "r.fields.site + '/' + r.fields.observed_on"};
              return seen.has(key) || !seen.add(key);
            })
            .map((r) => r.index);
          return {
            passed: rows.length === 0,
            message: rows.length === 0 ? 'no repeated records' : 'repeated records',
            failed: rows.length,
            rows,
            fields: [${geo ? "'name'" : "'site', 'observed_on'"}],
          };
        },
      },
    ],
  });
`;
}

/** What only the data's owner can declare; the scaffold never guesses it (promotion fails closed). */
export interface ScaffoldDeclarations {
  license?: string;
  sensitivity?: string;
}

function registryEntry(
  datasetId: string,
  kind: ScaffoldKind,
  upstream: string,
  declared: ScaffoldDeclarations,
): string {
  const geo = kind === 'geojson';
  const license =
    declared.license === undefined
      ? "# license: EDIT the SPDX id of the upstream's license (or --license): promotion is denied LICENSE_MISSING until it is set"
      : `license: ${declared.license}`;
  const sensitivity =
    declared.sensitivity === undefined
      ? `# sensitivity: EDIT ${SENSITIVITY_CLASSES.join(' | ')} (or --sensitivity): promotion is denied SENSITIVITY_MISSING until it is set`
      : `sensitivity: ${declared.sensitivity}`;
  return `# Registry entry scaffolded by \`kfm connector new ${datasetId} --from ${kind}\` (README.md,
# "Write a connector"). Every field below is one the Promotion Contract requires. Replace each line
# marked EDIT with the truth about your data before you promote it for anyone else: kfm cannot know
# the publisher or contact. License and sensitivity are only what you declared; never guessed.
dataset_id: ${datasetId}
title: ${datasetId} (EDIT a short human title)
description: >-
  EDIT a sentence or two saying what the data is and where it comes from.
publisher: EDIT the publishing organisation
contact_point:
  fn: EDIT the name of the contact person or team
  hasEmail: mailto:EDIT@example.org
${license}
${sensitivity}
policy_labels: [open-data]
spatial: ${geo}
upstream:
  uri: ${upstream}
  media_type: ${geo ? 'application/geo+json' : 'text/csv'}
keywords: [${datasetId.replace(/_/g, ', ')}]
`;
}

/** The files for one scaffold; `upstream` is the registry's upstream.uri (default: the fixture). */
export function scaffoldFiles(
  datasetId: string,
  kind: ScaffoldKind,
  upstream?: string,
  declared: ScaffoldDeclarations = {},
): ScaffoldFile[] {
  const dir = `connectors/${datasetId}`;
  const fixture = kind === 'geojson' ? `${dir}/fixtures/sample.geojson` : `${dir}/fixtures/sample.csv`;
  return [
    { path: `${dir}/connector.js`, text: connectorModule(datasetId, kind) },
    {
      path: `data/registry/${datasetId}.yml`,
      text: registryEntry(datasetId, kind, upstream ?? `file:${fixture}`, declared),
    },
    { path: fixture, text: kind === 'geojson' ? GEOJSON_FIXTURE : CSV_FIXTURE },
  ];
}
