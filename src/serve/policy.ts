import { isGeneralized, snapCoordinate } from '../policy/generalize-geometry.js';
import { isType, type LedgerEvent } from '../projections/ledger-event.js';
import type { Sensitivity } from '../registry/dataset-entry.js';
import type { Caller } from './authenticate.js';

/**
 * The policy boundary as pure decisions (the seed's "trust membrane"; docs/design.md, "Sensitivity").
 * Default deny: a dataset is served only when it is classified, and a version only when every
 * classification that governs it — the registry entry now and the snapshot it was published under —
 * allows it. A registry that tightens a class takes effect at once; one that loosens it does not
 * reach versions published under the stricter class.
 */
export interface Classification {
  license: string;
  sensitivity: Sensitivity;
  policy_labels: readonly string[];
  /** sensitive-location only: the grid every published coordinate must lie on. */
  precision_deg?: number;
}

interface ClassifiedFields {
  license?: string | undefined;
  sensitivity?: Sensitivity | undefined;
  policy_labels?: readonly string[] | undefined;
  generalization?: { precision_deg: number } | undefined;
}

/**
 * null when the entry lacks what serving needs — licence, sensitivity, at least one policy label,
 * and for sensitive-location a precision — so a dataset with missing classification is not served.
 */
export function classificationOf(entry: ClassifiedFields): Classification | null {
  const { license, sensitivity, policy_labels: labels, generalization } = entry;
  if (license === undefined || sensitivity === undefined || labels === undefined || labels.length === 0)
    return null;
  if (sensitivity !== 'sensitive-location') return { license, sensitivity, policy_labels: labels };
  if (generalization === undefined) return null;
  return { license, sensitivity, policy_labels: labels, precision_deg: generalization.precision_deg };
}

/**
 * public, sensitive-location, aggregate-only: anyone (their limits are on versions and artifacts);
 * restricted: a token holding a role equal to one of the dataset's policy labels.
 */
export function mayRead(classes: readonly Classification[], caller: Caller): boolean {
  return classes.every(
    (c) =>
      c.sensitivity !== 'restricted' ||
      (caller.kind === 'token' && caller.roles.some((role) => c.policy_labels.includes(role))),
  );
}

export function isRestricted(classes: readonly Classification[]): boolean {
  return classes.some((c) => c.sensitivity === 'restricted');
}

/** The coarsest grid any sensitive-location class asks for; undefined when none does. */
export function requiredPrecision(classes: readonly Classification[]): number | undefined {
  const grids = classes.flatMap((c) => (c.precision_deg === undefined ? [] : [c.precision_deg]));
  return grids.length === 0 ? undefined : Math.max(...grids);
}

export function isAggregateOnly(classes: readonly Classification[]): boolean {
  return classes.some((c) => c.sensitivity === 'aggregate-only');
}

/** The promotion gate's test, repeated at the boundary: a generalization transform ran in the run. */
export function wasGeneralized(runEvents: readonly LedgerEvent[]): boolean {
  return runEvents.some((e) => isType(e, 'transform.applied') && /generali[sz]e/.test(e.payload.name));
}

/** An artifact (a file name in the version folder) that an `aggregate*` transform of the run wrote. */
export function isAggregateOutput(name: string, runEvents: readonly LedgerEvent[]): boolean {
  return runEvents.some(
    (e) =>
      isType(e, 'transform.applied') &&
      e.payload.name.startsWith('aggregate') &&
      e.payload.outputs.some((path) => path.split('/').at(-1) === name),
  );
}

/** Every number of a bbox (RFC 7946 §5) on the grid. */
export function bboxOnGrid(bbox: readonly number[], precision: number): boolean {
  return bbox.every((n) => snapCoordinate(n, precision) === n);
}

const GEOMETRY_TYPES = new Set([
  'Point',
  'MultiPoint',
  'LineString',
  'MultiLineString',
  'Polygon',
  'MultiPolygon',
  'GeometryCollection',
]);

export type CoordinateCheck = { ok: true; features: number } | { ok: false; reason: string };

/**
 * Checks a parsed GeoJSON document (RFC 7946) coordinate by coordinate: every geometry of every
 * feature, and every `bbox` member, must lie on the grid. Anything that is not GeoJSON cannot be
 * checked, and what cannot be checked is not served.
 */
export function checkCoordinates(document: unknown, precision: number): CoordinateCheck {
  const geometries: unknown[] = [];
  const bboxes: unknown[] = [];
  const doc = document as { type?: unknown; features?: unknown; geometry?: unknown; bbox?: unknown } | null;
  if (doc === null || typeof doc !== 'object') return { ok: false, reason: 'not a GeoJSON object' };
  bboxes.push(doc.bbox);
  if (doc.type === 'FeatureCollection' && Array.isArray(doc.features)) {
    for (const feature of doc.features as { geometry?: unknown; bbox?: unknown }[]) {
      if (feature === null || typeof feature !== 'object')
        return { ok: false, reason: 'a feature is not an object' };
      geometries.push(feature.geometry);
      bboxes.push(feature.bbox);
    }
  } else if (doc.type === 'Feature') geometries.push(doc.geometry);
  else if (typeof doc.type === 'string' && GEOMETRY_TYPES.has(doc.type)) geometries.push(doc);
  else return { ok: false, reason: 'not a GeoJSON FeatureCollection, Feature or geometry' };
  for (const bbox of bboxes) {
    if (bbox === undefined) continue;
    if (!Array.isArray(bbox) || !bbox.every((n) => typeof n === 'number') || !bboxOnGrid(bbox, precision))
      return { ok: false, reason: `a bbox is finer than ${precision}°` };
  }
  for (const geometry of geometries) {
    if (geometry !== null && (typeof geometry !== 'object' || hasBbox(geometry, precision) === false))
      return { ok: false, reason: `a geometry bbox is finer than ${precision}°` };
    if (!isGeneralized(geometry, precision))
      return { ok: false, reason: `a coordinate is finer than ${precision}°` };
  }
  return { ok: true, features: geometries.length };
}

/** A geometry's own bbox member: undefined when absent, else whether it lies on the grid. */
function hasBbox(geometry: object, precision: number): boolean | undefined {
  const bbox = (geometry as { bbox?: unknown }).bbox;
  if (bbox === undefined) return undefined;
  return Array.isArray(bbox) && bbox.every((n) => typeof n === 'number') && bboxOnGrid(bbox, precision);
}
