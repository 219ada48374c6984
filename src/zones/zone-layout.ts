import { resolve } from 'node:path';

export type Zone = 'raw' | 'work' | 'processed' | 'catalog';
export const ZONES: readonly Zone[] = ['raw', 'work', 'processed', 'catalog'];

export type ZoneLayout = { root: string } & Record<Zone, string>;

export interface ZoneOverrides {
  raw_dir?: string;
  work_dir?: string;
  processed_dir?: string;
}

/** The zone roots under <root>/data, or where the seed's --raw_dir/--work_dir/--processed_dir say. */
export function zoneLayout(root: string, overrides: ZoneOverrides = {}): ZoneLayout {
  const data = resolve(root, 'data');
  return {
    root: resolve(root),
    raw: resolve(overrides.raw_dir ?? resolve(data, 'raw')),
    work: resolve(overrides.work_dir ?? resolve(data, 'work')),
    processed: resolve(overrides.processed_dir ?? resolve(data, 'processed')),
    catalog: resolve(data, 'catalog'),
  };
}
