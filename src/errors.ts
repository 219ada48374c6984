/**
 * The one error type of kfm-ledger. Expected outcomes (a broken chain, a denied gate) are results,
 * not errors; a KfmError is something that stopped the command. The CLI renders it once and maps
 * its code to the exit code below (docs/design.md, "CLI conventions").
 */
export const EXIT = {
  ok: 0,
  integrity: 1,
  usage: 2,
  denied: 3,
  io: 4,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

const CODES = {
  USAGE: EXIT.usage,
  INVALID_INPUT: EXIT.usage,
  INVALID_EVENT: EXIT.usage,
  NON_CANONICAL_VALUE: EXIT.usage,
  NOT_FOUND: EXIT.usage,
  REGISTRY_INVALID: EXIT.usage,
  /** A stage tried to write outside the zones its contract step may write. */
  ZONE_VIOLATION: EXIT.usage,
  /** A path that would leave its zone: `..`, absolute, or through a symlink. */
  PATH_UNSAFE: EXIT.usage,
  UPSTREAM_FAILED: EXIT.io,
  LEDGER_SCHEMA_TOO_NEW: EXIT.usage,
  LEDGER_CONFLICT: EXIT.io,
  IO: EXIT.io,
  /** `kfm append` was given a core event type: core events are written only by the stage runtime. */
  RESERVED_TYPE: EXIT.usage,
  /** Another stage of the same dataset holds its lock and did not release it within --wait. */
  DATASET_BUSY: EXIT.usage,
  /** The ledger file is missing, empty or not an SQLite ledger: never "ok", never touched. */
  LEDGER_UNREADABLE: EXIT.integrity,
  /** SQLite's own integrity check found damage in the ledger file. */
  STORAGE_CORRUPT: EXIT.integrity,
  /** A read-only command needs a schema the ledger does not have yet: `kfm migrate` upgrades it. */
  MIGRATION_REQUIRED: EXIT.usage,
  /** `kfm openlineage --emit`: the endpoint refused an event or stayed down after the retries. */
  OPENLINEAGE_EMIT_FAILED: EXIT.io,
  /** `kfm export`/`kfm import` was pointed at a ledger that already has events: copies go into empty ones. */
  LEDGER_NOT_EMPTY: EXIT.usage,
  /** A row failed verification as it arrived in `kfm export`/`kfm import`; the copy wrote nothing. */
  COPY_VERIFY_FAILED: EXIT.integrity,
  /** A stage was asked to run on a run whose promote completed (published, reused or denied). */
  RUN_CLOSED: EXIT.usage,
  /** `kfm replay`: events the vocabulary accepts, yet no receipt or catalog can be rendered from them. */
  PROJECTION_UNREPLAYABLE: EXIT.integrity,
  /** `kfm checkpoint`: the tree is smaller than the last checkpoint signed (events were cut off). */
  TREE_TRUNCATED: EXIT.integrity,
  /** `kfm checkpoint`: the tree's prefix of the last checkpoint's size has another root (history rewritten). */
  TREE_REWRITTEN: EXIT.integrity,
} as const satisfies Record<string, ExitCode>;

export type KfmErrorCode = keyof typeof CODES;

export interface KfmErrorOptions {
  /** Where the problem is: a file, a line, a field path. Shown to the user. */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class KfmError extends Error {
  readonly code: KfmErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: KfmErrorCode, message: string, options: KfmErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KfmError';
    this.code = code;
    this.details = options.details ?? {};
  }

  get exitCode(): ExitCode {
    return CODES[this.code];
  }
}

export function isKfmError(value: unknown): value is KfmError {
  return value instanceof KfmError;
}

/** Anything thrown, as a KfmError: one that is not (a Node fs error, a connector's throw) is IO. */
export function asKfmError(error: unknown): KfmError {
  if (error instanceof KfmError) return error;
  return new KfmError('IO', (error as Error).message ?? String(error), { cause: error });
}
