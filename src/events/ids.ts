import { z } from 'zod';
import { ULID_PATTERN } from './constants.js';

/** A dataset id becomes a folder name under every zone, so it admits no path syntax at all. */
export const DATASET_ID_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;
export const DatasetId = z
  .string()
  .regex(
    DATASET_ID_PATTERN,
    'dataset_id must match ^[a-z][a-z0-9_]*$ (lowercase snake_case, at most 64 characters)',
  );

/**
 * A run id is a ULID or a caller-given id (the seed's `run_2026-02-16T00:00:00Z` style). It becomes a
 * folder name under data/work, so it must start with a letter or digit and use only safe characters.
 */
export const RUN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
export const RunId = z
  .string()
  .regex(
    RUN_ID_PATTERN,
    'run_id must be a ULID or 1-128 characters of A-Z a-z 0-9 _ . : - starting with a letter or digit',
  );

export const EventId = z.string().regex(ULID_PATTERN, 'event_id must be a ULID');

export const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters (sha256)');

/** ISO-8601 UTC with milliseconds, the only timestamp form the ledger records. */
export const Timestamp = z.iso.datetime({ precision: 3 });

export const EXTENSION_TYPE_PATTERN = /^x\.[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;
