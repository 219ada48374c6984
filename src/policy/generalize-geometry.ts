/**
 * Generalization of sensitive locations (docs/design.md, "Sensitivity"): every coordinate is snapped to
 * the centre-free grid of `precisionDeg` (e.g. 0.1° ≈ 11 km), so a published point names a grid cell,
 * never a site. Decimal rounding after the snap keeps 0.30000000000000004 from leaking precision.
 */
export function snapCoordinate(value: number, precisionDeg: number): number {
  return onGrid(Math.round(value / precisionDeg), precisionDeg);
}

/**
 * A range [min, max] widened outward to the grid, so that it still contains every value but names
 * no finer position (a profile's ranges of a sensitive-location dataset). A bound already on the
 * grid stays: −96.8 / 0.1 is −967.9999999999999, which must not widen to −96.7.
 */
export function widenToGrid(min: number, max: number, precisionDeg: number): [number, number] {
  const cells = (value: number) => Number((value / precisionDeg).toFixed(9));
  return [onGrid(Math.floor(cells(min)), precisionDeg), onGrid(Math.ceil(cells(max)), precisionDeg)];
}

function onGrid(cells: number, precisionDeg: number): number {
  const decimals = Math.max(0, Math.ceil(-Math.log10(precisionDeg)));
  return Number((cells * precisionDeg).toFixed(decimals));
}

export function generalizeGeometry(geometry: unknown, precisionDeg: number): unknown {
  if (Array.isArray(geometry)) {
    return typeof geometry[0] === 'number'
      ? geometry.map((n) => snapCoordinate(n as number, precisionDeg))
      : geometry.map((g) => generalizeGeometry(g, precisionDeg));
  }
  if (geometry === null || typeof geometry !== 'object') return geometry;
  const g = geometry as { coordinates?: unknown; geometries?: unknown };
  return {
    ...g,
    ...(g.coordinates === undefined ? {} : { coordinates: generalizeGeometry(g.coordinates, precisionDeg) }),
    ...(g.geometries === undefined ? {} : { geometries: generalizeGeometry(g.geometries, precisionDeg) }),
  };
}

/** True when every coordinate already lies on the grid: what the promotion gate will check. */
export function isGeneralized(geometry: unknown, precisionDeg: number): boolean {
  if (Array.isArray(geometry)) {
    return typeof geometry[0] === 'number'
      ? geometry.every((n) => snapCoordinate(n as number, precisionDeg) === n)
      : geometry.every((g) => isGeneralized(g, precisionDeg));
  }
  if (geometry === null || typeof geometry !== 'object') return true;
  const g = geometry as { coordinates?: unknown; geometries?: unknown };
  return isGeneralized(g.coordinates ?? [], precisionDeg) && isGeneralized(g.geometries ?? [], precisionDeg);
}
