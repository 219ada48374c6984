import { parse as parseCsv } from 'csv-parse/sync';
import { decodeUtf8Strict, describeMalformedUtf8, isUtf8Label } from '../../events/utf8.js';
import type { ArtifactFormat, ParsedRecord } from '../define-connector.js';

export interface ReadRecordsResult {
  records: ParsedRecord[];
  /** A CRS named by a (pre-RFC 7946) GeoJSON `crs` member, if any. */
  crs: string[];
  /**
   * Files that could not be parsed at all; messages never quote their content. `row`: the 0-based
   * record whose bytes are not in the file's encoding, when that can be told.
   */
  unreadable: { file: string; message: string; row?: number }[];
}

/** The fix for upstream bytes that are not UTF-8, wherever the runtime decodes them. */
export const DECLARE_ENCODING =
  'if the upstream uses another encoding, declare it as upstream.encoding in the registry (e.g. windows-1252)';

export const CSV_OPTIONS = { columns: true, skip_empty_lines: true, bom: true } as const;

/**
 * Parses a run's outputs into records for validation. Pure: bytes in, records out. Bytes are
 * decoded strictly, UTF-8 unless the registry declares the upstream's `encoding` (a WHATWG label
 * such as windows-1252): a stray Latin-1 byte fails validation naming its row instead of being
 * published as U+FFFD.
 */
export function readRecords(
  format: ArtifactFormat,
  files: { path: string; bytes: Uint8Array }[],
  encoding = 'utf-8',
): ReadRecordsResult {
  const result: ReadRecordsResult = { records: [], crs: [], unreadable: [] };
  for (const file of files) {
    const text = decodeOutput(format, file, encoding, result);
    if (text === null) continue;
    if (format === 'geojson') readGeoJson(file.path, text, result);
    else readCsv(file.path, text, result);
  }
  return result;
}

function decodeOutput(
  format: ArtifactFormat,
  file: { path: string; bytes: Uint8Array },
  encoding: string,
  into: ReadRecordsResult,
): string | null {
  if (!isUtf8Label(encoding)) {
    try {
      return new TextDecoder(encoding, { fatal: true }).decode(file.bytes);
    } catch {
      into.unreadable.push({ file: file.path, message: `not valid ${encoding} (upstream.encoding)` });
      return null;
    }
  }
  const decoded = decodeUtf8Strict(file.bytes);
  // A leading BOM is dropped, as TextDecoder does by default (RFC 8259 §8.1 lets a parser ignore it).
  if (decoded.ok) return decoded.text.startsWith('\uFEFF') ? decoded.text.slice(1) : decoded.text;
  const row = format === 'csv' ? csvRowOfLine(new TextDecoder().decode(file.bytes), decoded.line) : undefined;
  const where = row === undefined ? '' : row < 0 ? 'the header, ' : `row ${row}, `;
  into.unreadable.push({
    file: file.path,
    message: `${where}${describeMalformedUtf8(decoded)}; ${DECLARE_ENCODING}`,
    ...(row === undefined || row < 0 ? {} : { row }),
  });
  return null;
}

/**
 * The 0-based record holding `line` (-1: the header), read from the leniently decoded text, which
 * has the same line breaks; undefined when the file is not CSV enough to tell.
 */
function csvRowOfLine(text: string, line: number): number | undefined {
  try {
    if (line === 1) return -1;
    const rows = parseCsv(text, { ...CSV_OPTIONS, info: true }) as { info: { lines: number } }[];
    const index = rows.findIndex((r) => r.info.lines >= line);
    return index >= 0 ? index : undefined;
  } catch {
    return undefined;
  }
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
    const rows = parseCsv(text, CSV_OPTIONS) as Record<string, string>[];
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
