import { parse as parseCsv } from 'csv-parse/sync';
import type { ArtifactFormat, ParsedRecord } from '../define-connector.js';

export interface ReadRecordsResult {
  records: ParsedRecord[];
  /** A CRS named by a (pre-RFC 7946) GeoJSON `crs` member, if any. */
  crs: string[];
  /** Files that could not be parsed at all; messages never quote their content. */
  unreadable: { file: string; message: string }[];
}

/** Parses a run's outputs into records for validation. Pure: bytes in, records out. */
export function readRecords(
  format: ArtifactFormat,
  files: { path: string; bytes: Uint8Array }[],
): ReadRecordsResult {
  const result: ReadRecordsResult = { records: [], crs: [], unreadable: [] };
  for (const file of files) {
    const text = new TextDecoder().decode(file.bytes);
    if (format === 'geojson') readGeoJson(file.path, text, result);
    else readCsv(file.path, text, result);
  }
  return result;
}

function readGeoJson(file: string, text: string, into: ReadRecordsResult): void {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    // JSON.parse quotes the input around the error; report only where it failed.
    const at = /position (\d+)/.exec((error as Error).message)?.[1];
    into.unreadable.push({ file, message: `not valid JSON${at === undefined ? '' : ` (at byte ${at})`}` });
    return;
  }
  const collection = doc as { type?: unknown; features?: unknown; crs?: { properties?: { name?: unknown } } };
  if (collection?.type !== 'FeatureCollection' || !Array.isArray(collection.features)) {
    into.unreadable.push({ file, message: 'not a GeoJSON FeatureCollection (RFC 7946 §3.3)' });
    return;
  }
  const crsName = collection.crs?.properties?.name;
  if (collection.crs !== undefined) into.crs.push(typeof crsName === 'string' ? crsName : '(unnamed crs)');
  collection.features.forEach((feature: unknown, index: number) => {
    const f = feature as { properties?: unknown; geometry?: unknown } | null;
    const properties = f?.properties;
    into.records.push({
      index,
      file,
      fields:
        properties !== null && typeof properties === 'object' ? (properties as Record<string, unknown>) : {},
      geometry: f?.geometry,
    });
  });
}

function readCsv(file: string, text: string, into: ReadRecordsResult): void {
  try {
    const rows = parseCsv(text, { columns: true, skip_empty_lines: true, bom: true }) as Record<
      string,
      string
    >[];
    rows.forEach((fields, index) => {
      into.records.push({ index, file, fields });
    });
  } catch (error) {
    const line = (error as { lines?: number }).lines;
    into.unreadable.push({
      file,
      message: `not valid CSV${line === undefined ? '' : ` (near line ${line})`}`,
    });
  }
}
