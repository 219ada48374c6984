import type { Bbox } from './catalog-input.js';

/** A GeoJSON geometry (RFC 7946 §3.1) as the catalogs state it. */
export type ExtentGeometry =
  | { type: 'Point'; coordinates: [number, number] }
  | { type: 'LineString'; coordinates: [number, number][] }
  | { type: 'Polygon'; coordinates: [number, number][][] };

export interface GeoExtent {
  bbox: Bbox;
  /** The bbox as a geometry: what a STAC Item's `geometry` states (it must lie inside `bbox`). */
  geometry: ExtentGeometry;
}

/**
 * The extent of the PUBLISHED features: every position of every geometry (nested collections and
 * GeometryCollections included) of the given FeatureCollections, Features or bare geometries.
 * Call it on the generalized output, never on raw, so a sensitive site's exact location cannot leak
 * through the catalog. Only lon/lat count (a third ordinate is height, RFC 7946 §3.1.1). No
 * antimeridian handling: a dataset crossing ±180° gets a bbox spanning the globe, which still
 * contains every point. null when there is no finite position at all.
 */
export function geoExtent(documents: readonly unknown[]): GeoExtent | null {
  const box = { west: Infinity, south: Infinity, east: -Infinity, north: -Infinity };
  const visit = (position: readonly unknown[]) => {
    const [lon, lat] = position;
    if (typeof lon !== 'number' || typeof lat !== 'number' || !Number.isFinite(lon) || !Number.isFinite(lat))
      return;
    box.west = Math.min(box.west, lon);
    box.east = Math.max(box.east, lon);
    box.south = Math.min(box.south, lat);
    box.north = Math.max(box.north, lat);
  };
  for (const document of documents) walk(document, visit);
  if (box.west === Infinity) return null;
  const bbox: Bbox = [box.west, box.south, box.east, box.north];
  return { bbox, geometry: bboxGeometry(bbox) };
}

function walk(node: unknown, visit: (position: readonly unknown[]) => void): void {
  if (node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    if (typeof node[0] === 'number') visit(node);
    else for (const child of node) walk(child, visit);
    return;
  }
  const g = node as { features?: unknown; geometry?: unknown; coordinates?: unknown; geometries?: unknown };
  walk(g.features, visit);
  walk(g.geometry, visit);
  walk(g.coordinates, visit);
  walk(g.geometries, visit);
}

/**
 * The smallest geometry covering a bbox: a Point or LineString when it is degenerate (one station,
 * or sites on one grid line), else the counter-clockwise rectangle (RFC 7946 §3.1.6 exterior ring).
 * A rectangle instead of every published point keeps the Item small and replayable from the
 * version.published bbox alone.
 */
export function bboxGeometry([west, south, east, north]: Bbox): ExtentGeometry {
  if (west === east && south === north) return { type: 'Point', coordinates: [west, south] };
  if (west === east || south === north)
    return {
      type: 'LineString',
      coordinates: [
        [west, south],
        [east, north],
      ],
    };
  return {
    type: 'Polygon',
    coordinates: [
      [
        [west, south],
        [east, south],
        [east, north],
        [west, north],
        [west, south],
      ],
    ],
  };
}

/** The bbox covering all the given ones (a STAC Collection's overall extent); null for none. */
export function unionBbox(bboxes: readonly Bbox[]): Bbox | null {
  if (bboxes.length === 0) return null;
  return [
    Math.min(...bboxes.map((b) => b[0])),
    Math.min(...bboxes.map((b) => b[1])),
    Math.max(...bboxes.map((b) => b[2])),
    Math.max(...bboxes.map((b) => b[3])),
  ];
}
