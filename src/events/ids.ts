import { z } from 'zod';
import { ULID_PATTERN } from './constants.js';

/**
 * A dataset id becomes a folder name under every zone, so it admits no path syntax at all. The one
 * definition: the registry, the connectors, the CLI and the API's OpenAPI document all use it.
 */
export const DATASET_ID = '[a-z][a-z0-9_]{0,63}';
export const DATASET_ID_PATTERN = new RegExp(`^${DATASET_ID}$`);
/** What a refused dataset id is told, wherever it is refused. */
export const DATASET_ID_RULE = `lowercase snake_case, at most 64 characters (${DATASET_ID_PATTERN.source})`;
export const DatasetId = z.string().regex(DATASET_ID_PATTERN, `dataset_id must be ${DATASET_ID_RULE}`);

/** A published version's id: `v` and 16 hex digits of its content hash. */
export const VERSION_ID = 'v[0-9a-f]{16}';
export const VERSION_ID_PATTERN = new RegExp(`^${VERSION_ID}$`);

/** The sensitivity classes of the connector contract: every dataset is exactly one of them. */
export const SENSITIVITY_CLASSES = ['public', 'restricted', 'sensitive-location', 'aggregate-only'] as const;

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
