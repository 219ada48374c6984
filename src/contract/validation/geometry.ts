/**
 * GeoJSON geometry validity per RFC 7946 §3.1: positions are [lon, lat(, alt)] of finite numbers
 * within WGS 84 bounds, line strings have ≥ 2 positions, polygon rings are closed with ≥ 4.
 * Returns the reason a geometry is invalid, or null when it is valid.
 */
export function geometryProblem(geometry: unknown): string | null {
  if (geometry === null || typeof geometry !== 'object') return 'missing geometry';
  const g = geometry as { type?: unknown; coordinates?: unknown; geometries?: unknown };
  switch (g.type) {
    case 'Point':
      return positionProblem(g.coordinates);
    case 'MultiPoint':
      return listProblem(g.coordinates, 1, positionProblem);
    case 'LineString':
      return listProblem(g.coordinates, 2, positionProblem);
    case 'MultiLineString':
      return listProblem(g.coordinates, 1, (line) => listProblem(line, 2, positionProblem));
    case 'Polygon':
      return listProblem(g.coordinates, 1, ringProblem);
    case 'MultiPolygon':
      return listProblem(g.coordinates, 1, (polygon) => listProblem(polygon, 1, ringProblem));
    case 'GeometryCollection':
      return listProblem(g.geometries, 0, geometryProblem);
    default:
      return 'unknown geometry type';
  }
}

function listProblem(value: unknown, min: number, each: (item: unknown) => string | null): string | null {
  if (!Array.isArray(value) || value.length < min) return `expected an array of at least ${min}`;
  for (const item of value) {
    const problem = each(item);
    if (problem !== null) return problem;
  }
  return null;
}

function positionProblem(value: unknown): string | null {
  if (!Array.isArray(value) || value.length < 2 || value.length > 3)
    return 'a position must be [lon, lat] or [lon, lat, alt]';
  if (!value.every((n) => typeof n === 'number' && Number.isFinite(n)))
    return 'coordinates must be finite numbers';
  const [lon, lat] = value as number[];
  if (lon! < -180 || lon! > 180 || lat! < -90 || lat! > 90)
    return 'coordinates outside WGS 84 bounds (lon ±180, lat ±90)';
  return null;
}

function ringProblem(ring: unknown): string | null {
  const problem = listProblem(ring, 4, positionProblem);
  if (problem !== null) return problem;
  const positions = ring as number[][];
  const first = positions[0]!;
  const last = positions.at(-1)!;
  return first.every((n, i) => n === last[i]) ? null : 'polygon ring is not closed';
}

/** RFC 7946 §4: GeoJSON is WGS 84 (CRS84); an explicit other CRS is refused. */
export const WGS84_NAMES = new Set([
  'urn:ogc:def:crs:OGC:1.3:CRS84',
  'urn:ogc:def:crs:OGC::CRS84',
  'EPSG:4326',
  'urn:ogc:def:crs:EPSG::4326',
]);
