/**
 * The vocabulary's plain constants, kept apart from its zod schemas so that code which only reads
 * the ledger (the query commands) can use them without loading zod, a large share of a CLI start.
 */

export const ENVELOPE_VERSION = 1;

/** The prev_hash of seq 1. */
export const GENESIS_HASH = '0'.repeat(64);

/** Crockford base32, 26 characters: what `ulid` produces. */
export const ULID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;
