import type {
  ColumnProfile,
  DatasetProfile,
  GeometryProfile,
  KeyProfile,
  ValueKind,
} from '../../events/index.js';
import type { ArtifactFormat } from '../define-connector.js';
import { DistinctCounter, SKETCH_STANDARD_ERROR } from './distinct-counter.js';

/**
 * A data profile computed one record at a time in memory bounded by the number of columns (README
 * "Profiles"): each column keeps counts, its range and a DistinctCounter (at most 10,000 values, then
 * a fixed-size sketch). Accumulators merge, and the profile of concatenated inputs equals the merge
 * of their accumulators (test/unit/profile-accumulator.test.ts), so outputs are profiled one file at
 * a time and combined. `finishProfile` applies the disclosure policy.
 */

interface Dated {
  time: number;
  text: string;
}

interface ColumnState {
  kinds: Partial<Record<ValueKind, number>>;
  distinct: DistinctCounter;
  min?: number;
  max?: number;
  earliest?: Dated;
  latest?: Dated;
}

interface GeometryState {
  types: Record<string, number>;
  bbox: [number, number, number, number] | null;
}

export interface ProfileOptions {
  format: ArtifactFormat;
  /** The connector's key fields: their combined values must be unique. */
  keys?: readonly string[] | undefined;
}

export interface ProfileRecord {
  fields: Record<string, unknown>;
  geometry?: unknown;
}

const INTEGER = /^[-+]?\d+$/;
const NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
const BOOLEAN = /^(?:true|false)$/i;
const DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

export class ProfileAccumulator {
  rows = 0;
  private readonly artifacts = new Map<string, number>();
  private readonly columns = new Map<string, ColumnState>();
  private keys: DistinctCounter | null;
  private geometry: GeometryState | null;

  constructor(readonly options: ProfileOptions) {
    this.keys = options.keys?.length ? new DistinctCounter() : null;
    this.geometry = options.format === 'geojson' ? { types: {}, bbox: null } : null;
  }

  add(path: string, record: ProfileRecord): void {
    this.rows += 1;
    this.artifacts.set(path, (this.artifacts.get(path) ?? 0) + 1);
    for (const [name, value] of Object.entries(record.fields)) this.addValue(name, value);
    if (this.keys !== null) {
      const fields = this.options.keys ?? [];
      this.keys.add(JSON.stringify(fields.map((f) => record.fields[f] ?? null)));
    }
    if (this.geometry !== null) addGeometry(this.geometry, record.geometry);
  }

  /** A new accumulator of both inputs, this one's first; neither operand changes. */
  merge(other: ProfileAccumulator): ProfileAccumulator {
    const merged = new ProfileAccumulator(this.options);
    merged.rows = this.rows + other.rows;
    for (const side of [this, other]) {
      for (const [path, rows] of side.artifacts)
        merged.artifacts.set(path, (merged.artifacts.get(path) ?? 0) + rows);
      for (const [name, column] of side.columns) {
        const mine = merged.columns.get(name);
        merged.columns.set(name, mine === undefined ? copyColumn(column) : mergeColumns(mine, column));
      }
    }
    merged.keys = this.keys === null || other.keys === null ? null : this.keys.merge(other.keys);
    if (this.geometry !== null && other.geometry !== null)
      merged.geometry = mergeGeometry(this.geometry, other.geometry);
    return merged;
  }

  /** The profile as measured, before any policy (finishProfile applies it). */
  measure(): DatasetProfile {
    const columns = [...this.columns.keys()].sort().map((name) => this.columnProfile(name));
    return {
      rows: this.rows,
      artifacts: [...this.artifacts].map(([path, rows]) => ({ path, rows })),
      columns,
      ...(this.keys === null ? {} : { keys: this.keyProfile(this.keys) }),
      ...(this.geometry === null ? {} : { geometry: this.geometryProfile(this.geometry) }),
    };
  }

  private addValue(name: string, value: unknown): void {
    let column = this.columns.get(name);
    if (column === undefined) {
      column = { kinds: {}, distinct: new DistinctCounter() };
      this.columns.set(name, column);
    }
    const kind = this.options.format === 'csv' ? kindOfText(value) : kindOfJson(value);
    if (kind === null) return;
    column.kinds[kind] = (column.kinds[kind] ?? 0) + 1;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    column.distinct.add(text);
    if (kind === 'integer' || kind === 'number') {
      const n = Number(value);
      if (Number.isFinite(n)) {
        column.min = column.min === undefined ? n : Math.min(column.min, n);
        column.max = column.max === undefined ? n : Math.max(column.max, n);
      }
    } else if (kind === 'date') {
      const dated = { time: Date.parse(text), text };
      column.earliest = earlier(column.earliest, dated);
      column.latest = later(column.latest, dated);
    }
  }

  private columnProfile(name: string): ColumnProfile {
    const column = this.columns.get(name) as ColumnState;
    const present = Object.values(column.kinds).reduce((sum, n) => sum + n, 0);
    const nulls = this.rows - present;
    return {
      name,
      type: typeOf(column.kinds),
      types: { ...column.kinds },
      nulls,
      null_rate: this.rows === 0 ? 0 : nulls / this.rows,
      distinct: column.distinct.count(),
      distinct_exact: column.distinct.exact,
      ...(column.min === undefined ? {} : { min: column.min, max: column.max as number }),
      ...(column.earliest === undefined
        ? {}
        : { earliest: column.earliest.text, latest: (column.latest as Dated).text }),
    };
  }

  private keyProfile(keys: DistinctCounter): KeyProfile {
    const distinct = Math.min(keys.count(), this.rows);
    // Past the exact limit the count is an estimate: unique unless it falls short by over 3σ.
    const unique = keys.exact
      ? distinct === this.rows
      : distinct >= this.rows * (1 - 3 * SKETCH_STANDARD_ERROR);
    return {
      fields: [...(this.options.keys ?? [])],
      distinct,
      duplicates: this.rows - distinct,
      unique,
      distinct_exact: keys.exact,
    };
  }

  private geometryProfile(geometry: GeometryState): GeometryProfile {
    return { features: this.rows, types: { ...geometry.types }, bbox: geometry.bbox };
  }
}

/** A CSV cell's kind by its text; the empty cell is null. */
export function kindOfText(value: unknown): ValueKind | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') return kindOfJson(value);
  if (INTEGER.test(value)) return 'integer';
  if (NUMBER.test(value)) return 'number';
  if (BOOLEAN.test(value)) return 'boolean';
  return isDate(value) ? 'date' : 'string';
}

/** A JSON value's kind (a GeoJSON property); a string is a date when it reads as one. */
export function kindOfJson(value: unknown): ValueKind | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'string') return isDate(value) ? 'date' : 'string';
  return 'object';
}

/** A calendar date (Date.parse would roll 2024-02-30 over into March), with an optional time. */
function isDate(text: string): boolean {
  if (!DATE.test(text) || Number.isNaN(Date.parse(text))) return false;
  const [year, month, day] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day)).getUTCDate() === day;
}

function typeOf(kinds: Partial<Record<ValueKind, number>>): ColumnProfile['type'] {
  const seen = Object.keys(kinds) as ValueKind[];
  if (seen.length === 0) return 'null';
  if (seen.length === 1) return seen[0] as ValueKind;
  return seen.every((k) => k === 'integer' || k === 'number') ? 'number' : 'mixed';
}

/** Ties in time (2020-01-01 and 2020-01-01T00:00:00Z) go to the smaller text, so order never matters. */
function earlier(a: Dated | undefined, b: Dated): Dated {
  if (a === undefined) return b;
  return b.time < a.time || (b.time === a.time && b.text < a.text) ? b : a;
}

function later(a: Dated | undefined, b: Dated): Dated {
  if (a === undefined) return b;
  return b.time > a.time || (b.time === a.time && b.text < a.text) ? b : a;
}

function copyColumn(column: ColumnState): ColumnState {
  return mergeColumns({ kinds: {}, distinct: new DistinctCounter() }, column);
}

function mergeColumns(a: ColumnState, b: ColumnState): ColumnState {
  const kinds = { ...a.kinds };
  for (const [kind, n] of Object.entries(b.kinds) as [ValueKind, number][])
    kinds[kind] = (kinds[kind] ?? 0) + n;
  const merged: ColumnState = { kinds, distinct: a.distinct.merge(b.distinct) };
  const mins = [a.min, b.min].filter((n) => n !== undefined);
  const maxs = [a.max, b.max].filter((n) => n !== undefined);
  if (mins.length > 0) merged.min = Math.min(...mins);
  if (maxs.length > 0) merged.max = Math.max(...maxs);
  const earliest = b.earliest === undefined ? a.earliest : earlier(a.earliest, b.earliest);
  const latest = b.latest === undefined ? a.latest : later(a.latest, b.latest);
  if (earliest !== undefined) merged.earliest = earliest;
  if (latest !== undefined) merged.latest = latest;
  return merged;
}

function addGeometry(state: GeometryState, geometry: unknown): void {
  const g = geometry as { type?: unknown } | null | undefined;
  const type = g !== null && typeof g === 'object' && typeof g.type === 'string' ? g.type : 'null';
  state.types[type] = (state.types[type] ?? 0) + 1;
  forEachPosition(geometry, (x, y) => {
    const b = state.bbox;
    state.bbox =
      b === null
        ? [x, y, x, y]
        : [Math.min(b[0], x), Math.min(b[1], y), Math.max(b[2], x), Math.max(b[3], y)];
  });
}

function mergeGeometry(a: GeometryState, b: GeometryState): GeometryState {
  const types = { ...a.types };
  for (const [type, n] of Object.entries(b.types)) types[type] = (types[type] ?? 0) + n;
  if (a.bbox === null || b.bbox === null) return { types, bbox: a.bbox ?? b.bbox };
  const [p, q] = [a.bbox, b.bbox];
  return {
    types,
    bbox: [Math.min(p[0], q[0]), Math.min(p[1], q[1]), Math.max(p[2], q[2]), Math.max(p[3], q[3])],
  };
}

/** Every [x, y, …] position of a GeoJSON geometry (RFC 7946 §3.1), collections included. */
function forEachPosition(geometry: unknown, visit: (x: number, y: number) => void): void {
  if (Array.isArray(geometry)) {
    if (typeof geometry[0] === 'number' && typeof geometry[1] === 'number') visit(geometry[0], geometry[1]);
    else for (const part of geometry) forEachPosition(part, visit);
    return;
  }
  if (geometry === null || typeof geometry !== 'object') return;
  const g = geometry as { coordinates?: unknown; geometries?: unknown };
  forEachPosition(g.coordinates, visit);
  forEachPosition(g.geometries, visit);
}
