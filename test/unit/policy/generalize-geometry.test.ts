import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  generalizeGeometry,
  isGeneralized,
  snapCoordinate,
  widenToGrid,
} from '../../../src/policy/generalize-geometry.js';

describe('generalizeGeometry', () => {
  it('snaps a point to the 0.1° grid without floating-point residue', () => {
    expect(generalizeGeometry({ type: 'Point', coordinates: [-98.455205, 37.475682] }, 0.1)).toEqual({
      type: 'Point',
      coordinates: [-98.5, 37.5],
    });
    expect(snapCoordinate(0.3000001, 0.1)).toBe(0.3);
  });

  it('generalizes nested geometries and leaves raw input untouched', () => {
    const polygon = {
      type: 'Polygon',
      coordinates: [
        [
          [1.04, 2.06],
          [1.14, 2.06],
          [1.14, 2.16],
          [1.04, 2.06],
        ],
      ],
    };
    const copy = structuredClone(polygon);
    const out = generalizeGeometry(polygon, 0.1) as typeof polygon;
    expect(polygon).toEqual(copy);
    expect(out.coordinates[0]?.[0]).toEqual([1, 2.1]);
  });

  it('produces coordinates that are never finer than the precision (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -180, max: 180, noNaN: true }),
        fc.double({ min: -90, max: 90, noNaN: true }),
        fc.constantFrom(1, 0.5, 0.1, 0.01),
        (lon, lat, precision) => {
          const out = generalizeGeometry({ type: 'Point', coordinates: [lon, lat] }, precision);
          expect(isGeneralized(out, precision)).toBe(true);
        },
      ),
    );
  });

  it('tells an exact coordinate from a generalized one', () => {
    expect(isGeneralized({ type: 'Point', coordinates: [-98.455205, 37.475682] }, 0.1)).toBe(false);
    expect(isGeneralized({ type: 'Point', coordinates: [-98.5, 37.5] }, 0.1)).toBe(true);
  });
});

describe('widenToGrid', () => {
  it('widens a range outward to the grid', () => {
    expect(widenToGrid(0.37, 2.01, 0.1)).toEqual([0.3, 2.1]);
    expect(widenToGrid(-98.537, -97.02, 0.1)).toEqual([-98.6, -97]);
  });

  it('keeps bounds already on the grid where they are', () => {
    expect(widenToGrid(-99.1, -96.8, 0.1)).toEqual([-99.1, -96.8]);
    expect(widenToGrid(37.5, 39.4, 0.1)).toEqual([37.5, 39.4]);
  });
});

describe('generalizeGeometry and isGeneralized on every GeoJSON shape', () => {
  const collection = (...geometries: unknown[]) => ({ type: 'GeometryCollection', geometries });

  it('generalize the members of a GeometryCollection and add no coordinates to it', () => {
    const out = generalizeGeometry(
      collection(
        { type: 'Point', coordinates: [1.04, 2.06] },
        { type: 'LineString', coordinates: [[0.26, 0.01]] },
      ),
      0.1,
    );
    expect(out).toStrictEqual(
      collection({ type: 'Point', coordinates: [1, 2.1] }, { type: 'LineString', coordinates: [[0.3, 0]] }),
    );
  });

  it('add no geometries to a geometry that has coordinates', () => {
    expect(generalizeGeometry({ type: 'Point', coordinates: [1.04, 2.06] }, 0.1)).toStrictEqual({
      type: 'Point',
      coordinates: [1, 2.1],
    });
  });

  it('leave a null geometry (a GeoJSON Feature may have one) and other non-objects as they are', () => {
    expect(generalizeGeometry(null, 0.1)).toBeNull();
    expect(generalizeGeometry('x', 0.1)).toBe('x');
    expect(isGeneralized(null, 0.1)).toBe(true);
    expect(isGeneralized('x', 0.1)).toBe(true);
  });

  it('look into nested rings and collection members alike', () => {
    const ring = (x: number) => [
      [
        [x, 2],
        [1.1, 2],
        [x, 2],
      ],
    ];
    expect(isGeneralized({ type: 'Polygon', coordinates: ring(1) }, 0.1)).toBe(true);
    expect(isGeneralized({ type: 'Polygon', coordinates: ring(1.04) }, 0.1)).toBe(false);
    expect(isGeneralized(collection({ type: 'Point', coordinates: [1, 2] }), 0.1)).toBe(true);
    expect(
      isGeneralized(
        collection({ type: 'Point', coordinates: [1, 2] }, { type: 'Point', coordinates: [1.04, 2] }),
        0.1,
      ),
    ).toBe(false);
  });
});
