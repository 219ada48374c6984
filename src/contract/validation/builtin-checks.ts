import { z } from 'zod';
import type { PayloadOf } from '../../events/index.js';
import type { ConnectorDefinition, ParsedRecord } from '../define-connector.js';
import { geometryProblem, WGS84_NAMES } from './geometry.js';
import type { ReadRecordsResult } from './read-records.js';

export type Check = PayloadOf<'validation.reported'>['checks'][number];

export interface ValidationInput {
  connector: Pick<ConnectorDefinition, 'record' | 'time_fields' | 'checks' | 'windowed'>;
  registry: {
    license?: string | undefined;
    sensitivity?: string | undefined;
    policy_labels?: readonly string[] | undefined;
    spatial?: boolean | undefined;
  };
  read: ReadRecordsResult;
  window: { since?: string | undefined; until?: string | undefined };
  /** Raw files of the run re-hashed now, beside what raw.captured recorded. */
  raw: { path: string; expected: string; found: string | null }[];
}

const MAX_ROWS = 20;

/**
 * Every built-in check plus the connector's own. Failing checks say how many records failed, which
 * rows (file and index) and which fields — never a value — so a report of a restricted or
 * sensitive-location dataset discloses nothing of its data.
 */
export function runChecks(input: ValidationInput): Check[] {
  const { records } = input.read;
  const checks: Check[] = [
    present('license_present', input.registry.license, 'license'),
    present('sensitivity_present', input.registry.sensitivity, 'sensitivity'),
    present(
      'policy_labels_present',
      input.registry.policy_labels?.length ? 'ok' : undefined,
      'policy_labels',
    ),
    rawChecksums(input.raw),
    readable(input.read, input.connector.windowed?.empty_ok === true),
    withDeclaredFields(
      perRecord('schema', records, (r) => schemaFields(input.connector.record, r.fields)),
      input.connector.record,
    ),
  ];
  if (input.registry.spatial) {
    checks.push(
      perRecord('geometry', records, (r) => (geometryProblem(r.geometry) === null ? [] : ['geometry'])),
    );
    checks.push(crs(input.read.crs));
  }
  if (input.connector.time_fields?.length) {
    checks.push(
      perRecord('time_window', records, (r) =>
        timeFields(r, input.connector.time_fields ?? [], input.window),
      ),
    );
  }
  for (const check of input.connector.checks ?? []) {
    const outcome = check.run(records);
    checks.push(
      shaped(check.name, outcome.passed, outcome.message, outcome.failed, outcome.rows, outcome.fields),
    );
  }
  return checks;
}

function shaped(
  name: string,
  passed: boolean,
  message: string,
  failed?: number,
  rows?: readonly unknown[],
  fields?: readonly string[],
): Check {
  if (passed) return { name, passed, message };
  return {
    name,
    passed,
    message,
    details: {
      ...(failed === undefined ? {} : { failed }),
      ...(rows === undefined ? {} : { rows: rows.slice(0, MAX_ROWS) }),
      ...(fields === undefined ? {} : { fields: [...new Set(fields)].sort() }),
    },
  };
}

function present(name: string, value: unknown, field: string): Check {
  return value === undefined
    ? shaped(
        name,
        false,
        `registry field ${field} is missing: add it to data/registry/<dataset_id>.yml`,
        1,
        undefined,
        [field],
      )
    : shaped(name, true, `${field} present`);
}

function rawChecksums(raw: ValidationInput['raw']): Check {
  const bad = raw.filter((r) => r.found !== r.expected);
  if (raw.length === 0) return shaped('raw_checksums', false, 'the run captured no raw files', 0);
  return bad.length === 0
    ? shaped('raw_checksums', true, `${raw.length} raw file(s) match their raw.captured sha256`)
    : shaped(
        'raw_checksums',
        false,
        `${bad.length} raw file(s) missing or changed since capture: ${bad.map((b) => b.path).join(', ')}`,
        bad.length,
      );
}

function readable(read: ReadRecordsResult, emptyOk: boolean): Check {
  if (read.unreadable.length > 0) {
    const rows = read.unreadable.flatMap((u) =>
      u.row === undefined ? [] : [{ file: u.file, index: u.row }],
    );
    return shaped(
      'readable',
      false,
      read.unreadable.map((u) => `${u.file}: ${u.message}`).join('; '),
      read.unreadable.length,
      rows.length === 0 ? undefined : rows,
    );
  }
  // A time window may legitimately hold nothing (a gauge outage); the connector says so.
  if (read.records.length === 0 && emptyOk) return shaped('readable', true, 'no records in this window');
  return read.records.length === 0
    ? shaped('readable', false, 'the outputs hold no records', 0)
    : shaped('readable', true, `${read.records.length} record(s) read`);
}

function perRecord(
  name: string,
  records: readonly ParsedRecord[],
  problems: (r: ParsedRecord) => string[],
): Check {
  const rows: { file: string; index: number }[] = [];
  const fields: string[] = [];
  for (const record of records) {
    const bad = problems(record);
    if (bad.length === 0) continue;
    rows.push({ file: record.file, index: record.index });
    fields.push(...bad);
  }
  return rows.length === 0
    ? shaped(name, true, `${records.length} record(s) pass`)
    : shaped(name, false, `${rows.length} of ${records.length} record(s) fail`, rows.length, rows, fields);
}

/** One field of the record schema a connector declares: its name and JSON Schema type (or format). */
interface DeclaredField {
  name: string;
  type: string;
}

/**
 * The fields of the declared record schema, in declaration order, from its JSON Schema (zod's own
 * conversion): a name and a type, never a value. Empty when the schema is not an object of named
 * fields, or a schema zod 4 cannot read. OpenLineage's `schema` dataset facet is built from these
 * (projections/openlineage-datasets.ts).
 */
function declaredFields(schema: ValidationInput['connector']['record']): DeclaredField[] {
  let json: { properties?: Record<string, { type?: string | string[]; format?: string }> };
  try {
    json = z.toJSONSchema(schema, {
      target: 'draft-2020-12',
      io: 'output',
      unrepresentable: 'any',
    }) as typeof json;
  } catch {
    // A module's own zod of another major version (load-connector.ts accepts any with safeParse):
    // its records are still checked; it just declares no fields we can read.
    return [];
  }
  return Object.entries(json.properties ?? {}).map(([name, field]) => ({
    name,
    type: field.format ?? [field.type ?? 'any'].flat().join('|'),
  }));
}

/** The schema check records which fields it checked against, passed or not. */
function withDeclaredFields(check: Check, schema: ValidationInput['connector']['record']): Check {
  const fields = declaredFields(schema);
  if (fields.length === 0) return check;
  // Spread into object literals: an interface has no index signature to match JsonObject's.
  return { ...check, details: { ...check.details, declared_fields: fields.map((f) => ({ ...f })) } };
}

function schemaFields(
  schema: ValidationInput['connector']['record'],
  fields: Record<string, unknown>,
): string[] {
  const parsed = schema.safeParse(fields);
  return parsed.success
    ? []
    : parsed.error.issues.map((issue) => issue.path.map(String).join('.') || '(record)');
}

function crs(names: string[]): Check {
  const other = names.filter((n) => !WGS84_NAMES.has(n));
  return other.length === 0
    ? shaped('crs', true, 'WGS 84 (RFC 7946)')
    : shaped(
        'crs',
        false,
        `GeoJSON must be WGS 84 (RFC 7946 §4); found CRS ${other.join(', ')}`,
        other.length,
      );
}

function timeFields(
  record: ParsedRecord,
  fields: readonly string[],
  window: ValidationInput['window'],
): string[] {
  return fields.filter((field) => {
    const value = record.fields[field];
    if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(Date.parse(value)))
      return true;
    const t = Date.parse(value);
    return (
      (window.since !== undefined && t < Date.parse(window.since)) ||
      (window.until !== undefined && t >= Date.parse(window.until))
    );
  });
}
