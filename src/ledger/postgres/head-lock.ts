/**
 * The key of the transaction-scoped advisory lock every append to a PostgreSQL ledger holds from
 * reading the head to COMMIT (the append and the linear-insert trigger both take it): appends from
 * any number of processes and hosts serialize on it, and COMMIT, ROLLBACK or a dead client release
 * it. Advisory locks are per database, so ledgers in different databases never wait on each other.
 * The value is "kfm" in ASCII.
 */
export const HEAD_LOCK_KEY = 0x6b_66_6d;
