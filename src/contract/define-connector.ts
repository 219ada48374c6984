import type { z } from 'zod';
import { DATASET_ID_PATTERN, DATASET_ID_RULE } from '../events/index.js';

/** How a connector's outputs are read back for validation. */
export type ArtifactFormat = 'geojson' | 'csv';

export interface SourceRef {
  /** Absolute file://, http:// or https:// URI. */
  uri: string;
  /** File name inside the capture folder. */
  name: string;
}

export interface DiscoverContext {
  /** The registry's (or --config's) upstream URI, resolved to an absolute URI. */
  upstream_uri: string;
  config: Record<string, unknown>;
  window: { since?: string; until?: string };
}

/** What one capture stored, and the response headers (a paging connector reads its next link there). */
export interface CapturedSource {
  /** Path relative to the dataset's raw folder; for content seen before, the file stored then. */
  path: string;
  sha256: string;
  bytes: number;
  seen_before: boolean;
  /** Response headers, names lower-cased; empty for file:// sources. */
  headers: Record<string, string>;
}

export interface AcquireContext extends DiscoverContext {
  /** Streams one source into this run's raw capture (hashing, fsync, read-only, raw.captured). */
  capture(source: SourceRef): Promise<CapturedSource>;
}

/**
 * An upstream queried by time window (issue 6): `kfm ingest` without --since continues from the
 * ledger's cursor, and `kfm backfill` cuts a historic range into windows.
 */
export interface WindowedUpstream {
  /** ISO-8601 duration: without --until, ingest stops at the last whole step before now (P1D: 00:00 UTC). */
  grid: string;
  /** Requests one window usually takes (discovery + pages): backfill --dry-run's estimate. */
  requests_per_window: number;
  /** A window may hold no records (an outage, a PT6H batch of daily readings); validation passes it. */
  empty_ok?: boolean;
}

export interface TransformInput {
  /** Path relative to the dataset's raw folder, as in raw.captured. */
  path: string;
  sha256: string;
  read(): Promise<Buffer>;
  /**
   * The capture as text, decoded strictly as the registry's upstream.encoding (UTF-8 when none is
   * declared): a byte that is not in it fails the stage naming file and line, instead of becoming
   * U+FFFD in a work artifact that validation would then pass.
   */
  text(): Promise<string>;
}

export interface TransformRecord {
  name: string;
  params: Record<string, unknown>;
  inputs: string[];
  outputs: string[];
  summary: Record<string, unknown>;
}

export interface TransformContext {
  inputs: TransformInput[];
  /** Registry facts a transform may need (e.g. the generalization precision). */
  registry: { sensitivity?: string; generalization?: { precision_deg: number } };
  /** Writes a work artifact of this run; returns its path relative to the dataset's work folder. */
  write(name: string, data: string | Uint8Array, derivedFrom: string[]): Promise<string>;
  /** Records a governed transformation (redaction and generalization are transforms). */
  applied(record: TransformRecord): void;
}

export interface ParsedRecord {
  /** 0-based position in its file; reports name rows by file and index, never by value. */
  index: number;
  file: string;
  fields: Record<string, unknown>;
  geometry?: unknown;
}

export interface CheckOutcome {
  passed: boolean;
  message: string;
  failed?: number;
  rows?: number[];
  fields?: string[];
}

export interface ConnectorCheck {
  name: string;
  run(records: readonly ParsedRecord[]): CheckOutcome;
}

/**
 * A dataset connector: the seed's discover → acquire → transform → validate, declared once. The
 * runtime does the governed parts (zones, hashing, events, receipts); the connector says only what
 * is specific to its upstream and its data.
 */
export interface ConnectorDefinition {
  dataset_id: string;
  format: ArtifactFormat;
  /** Schema of one record: a GeoJSON feature's properties, or a CSV row (strings; coerce as needed). */
  record: z.ZodType;
  /**
   * Fields that together identify a record: the profile reports whether their values are unique
   * (README "Profiles").
   */
  keys?: readonly string[];
  /**
   * Fields holding dates or times: they must parse and lie in the run's window, if it has one; the
   * earliest and latest of them are the time span the catalogs state for a published version.
   */
  time_fields?: readonly string[];
  /**
   * Where the records' fields are described (e.g. a Frictionless Table Schema or a PDF codebook):
   * recorded with each version and stated as DCAT-US `describedBy`/`describedByType`.
   */
  data_dictionary?: { url: string; media_type: string };
  /** Default: the upstream URI as one source named after its last path segment. */
  discover?(context: DiscoverContext): Promise<SourceRef[]> | SourceRef[];
  /** Default: capture every discovered source. */
  acquire?(context: AcquireContext, sources: SourceRef[]): Promise<void>;
  /** Deterministic work → work step. Without one, the raw captures are the run's outputs. */
  transform?(context: TransformContext): Promise<void>;
  checks?: readonly ConnectorCheck[];
  windowed?: WindowedUpstream;
}

export function defineConnector(definition: ConnectorDefinition): ConnectorDefinition {
  if (!DATASET_ID_PATTERN.test(definition.dataset_id)) {
    throw new Error(
      `defineConnector: dataset_id ${JSON.stringify(definition.dataset_id)} must be ${DATASET_ID_RULE}`,
    );
  }
  return definition;
}
