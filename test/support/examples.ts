import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project's own folder, where the committed example connectors, fixtures and registry live. */
export const PROJECT = fileURLToPath(new URL('../../', import.meta.url));

export const STATIONS = 'ks_mesonet_stations';
export const POPULATION = 'ks_county_population';
export const SITES = 'ks_archaeological_sites';
/** The three example datasets whose registry entries and fixtures are committed. */
export const EXAMPLES = [STATIONS, POPULATION, SITES] as const;
export type Example = (typeof EXAMPLES)[number];

/** The committed upstream fixture an example connector ingests. */
export function fixturePath(id: Example): string {
  const name = {
    [STATIONS]: 'stations.geojson',
    [POPULATION]: 'county_population.csv',
    [SITES]: 'sites.geojson',
  }[id];
  return join(PROJECT, 'connectors', id, 'fixtures', name);
}

/** The compiled thin runner `dist/connectors/<id>/<stage>.js`. */
export function runnerPath(id: string, stage: string): string {
  return join(PROJECT, 'dist', 'connectors', id, `${stage}.js`);
}

/** `data/registry/<id>.yml` of a root (or of the project, whose registry the examples use). */
export function registryPath(root: string, id: string): string {
  return join(root, 'data', 'registry', `${id}.yml`);
}
