import { isAbsolute, relative, resolve, sep } from 'node:path';
import { KfmError } from '../errors.js';

export type Zone = 'raw' | 'work' | 'processed' | 'catalog';
export const ZONES: readonly Zone[] = ['raw', 'work', 'processed', 'catalog'];

/** Absolute zone roots, plus the project root they default under. */
export type ZoneLayout = { root: string } & Record<Zone, string>;

/** The seed's --raw_dir / --work_dir / --processed_dir (CI/special ops only); the catalog has no flag. */
export interface ZoneOverrides {
  raw_dir?: string;
  work_dir?: string;
  processed_dir?: string;
}

/**
 * The zone roots: <root>/data/{raw,work,processed,catalog}, or where the override flags say
 * (relative flags resolve against the current directory, like any CLI path). Zones must be
 * disjoint: a zone inside another would let a stage write the inner zone through the outer one.
 */
export function zoneLayout(root: string, overrides: ZoneOverrides = {}): ZoneLayout {
  const data = resolve(root, 'data');
  const pick = (flag: keyof ZoneOverrides, zone: Zone): string => {
    const given = overrides[flag];
    if (given === undefined) return resolve(data, zone);
    if (given.trim() === '') throw new KfmError('INVALID_INPUT', `--${flag} is empty: give a folder`);
    return resolve(given);
  };
  const layout: ZoneLayout = {
    root: resolve(root),
    raw: pick('raw_dir', 'raw'),
    work: pick('work_dir', 'work'),
    processed: pick('processed_dir', 'processed'),
    catalog: resolve(data, 'catalog'),
  };
  checkDisjoint(layout);
  return layout;
}

function checkDisjoint(layout: ZoneLayout): void {
  for (const outer of ZONES) {
    for (const inner of ZONES) {
      if (outer === inner) continue;
      if (isInside(layout[outer], layout[inner])) {
        throw new KfmError(
          'INVALID_INPUT',
          `the ${inner} zone (${layout[inner]}) lies inside the ${outer} zone (${layout[outer]}): give each zone its own folder`,
          { details: { field: `${inner}_dir`, zone: inner, inside: outer } },
        );
      }
    }
  }
}

/** True when `path` is `dir` or below it (lexically; callers pass resolved or real paths). */
export function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || !(rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel));
}
