import { checkEnvelope, GENESIS_HASH } from '../../events/index.js';
import type { EventHasher } from './event-hash.js';
import type { ChainHead } from './seal-events.js';

/** A row of the `events` table as stored: indexed columns beside the canonical body. */
export interface StoredRow {
  seq: number;
  event_id: string;
  type: string;
  dataset_id: string;
  run_id: string;
  recorded_at: string;
  body: Uint8Array;
  prev_hash: string;
  hash: string;
}

export type ChainFailureCode =
  | 'BODY_HASH_MISMATCH'
  | 'PREV_LINK_BROKEN'
  | 'SEQ_GAP'
  | 'COLUMN_MISMATCH'
  | 'BODY_UNREADABLE'
  | 'SCHEMA_INVALID'
  | 'ANCHOR_MISMATCH'
  | 'ANCHOR_MISSING';

export interface ChainFailure {
  seq: number;
  code: ChainFailureCode;
  message: string;
}

export interface ChainReport {
  ok: boolean;
  events: number;
  head: ChainHead;
  failures: ChainFailure[];
  /** Failures found beyond `maxFailures` are counted, not kept, so memory stays bounded. */
  failures_omitted: number;
}

export interface VerifyOptions {
  hasher: EventHasher;
  /** Heads recorded earlier (e.g. by an auditor): the only defence against a rewritten tail. */
  anchors?: readonly ChainHead[];
  maxFailures?: number;
  /**
   * For one segment of a ledger verified in parts: the stored seq and hash of the row just before
   * the segment's first (genesis when the segment starts the ledger), and whether the segment runs
   * to the ledger's end — only then is an anchor past its last row missing (ANCHOR_MISSING).
   */
  segment?: { after: ChainHead; reachesEnd: boolean };
}

const DEFAULT_MAX_FAILURES = 1000;

const INDEXED_COLUMNS = [
  'seq',
  'event_id',
  'type',
  'dataset_id',
  'run_id',
  'recorded_at',
  'prev_hash',
] as const;
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Streaming chain verification in constant memory: push rows in seq order, then `finish()`.
 * Each tamper is reported once, at the seq where it happened: a body that no longer hashes to its
 * `hash` (BODY_HASH_MISMATCH), a `prev_hash` that does not name the previous row's hash
 * (PREV_LINK_BROKEN), missing rows (SEQ_GAP), columns that disagree with the hashed body
 * (COLUMN_MISMATCH), and events that do not satisfy the vocabulary (SCHEMA_INVALID).
 */
export class ChainVerifier {
  readonly #hasher: EventHasher;
  readonly #anchors: Map<number, string>;
  readonly #maxFailures: number;
  readonly #failures: ChainFailure[] = [];
  #omitted = 0;
  #events = 0;
  #head: ChainHead;
  readonly #reachesEnd: boolean;

  constructor(options: VerifyOptions) {
    this.#hasher = options.hasher;
    this.#anchors = new Map((options.anchors ?? []).map((a) => [a.seq, a.hash]));
    this.#maxFailures = options.maxFailures ?? DEFAULT_MAX_FAILURES;
    this.#head = options.segment?.after ?? { seq: 0, hash: GENESIS_HASH };
    this.#reachesEnd = options.segment?.reachesEnd ?? true;
  }

  push(row: StoredRow): void {
    this.#events++;
    const expectedSeq = this.#head.seq + 1;
    const contiguous = row.seq === expectedSeq;
    if (!contiguous) {
      this.#fail(
        row.seq,
        'SEQ_GAP',
        row.seq > expectedSeq
          ? `seq ${expectedSeq}..${row.seq - 1} missing: events were deleted`
          : `seq ${row.seq} follows seq ${this.#head.seq}: rows are out of order`,
      );
    }
    if (this.#hasher(row.body) !== row.hash) {
      this.#fail(
        row.seq,
        'BODY_HASH_MISMATCH',
        'the stored body does not hash to the stored hash: the body was altered',
      );
    }
    const envelope = this.#parse(row);
    if (envelope !== undefined) {
      this.#checkColumns(row, envelope);
      const linked = typeof envelope.prev_hash === 'string' ? envelope.prev_hash : row.prev_hash;
      if (contiguous && linked !== this.#head.hash) {
        this.#fail(row.seq, 'PREV_LINK_BROKEN', `prev_hash does not match the hash of seq ${this.#head.seq}`);
      }
      const issues = checkEnvelope(envelope);
      if (issues.length > 0) {
        const list = issues.map((i) => `${i.path || '(envelope)'}: ${i.message}`).join('; ');
        this.#fail(row.seq, 'SCHEMA_INVALID', `event does not match its schema: ${list}`);
      }
    }
    const anchored = this.#anchors.get(row.seq);
    if (anchored !== undefined && anchored !== row.hash) {
      this.#fail(
        row.seq,
        'ANCHOR_MISMATCH',
        `hash differs from the anchored ${anchored}: history was rewritten`,
      );
    }
    this.#head = { seq: row.seq, hash: row.hash };
  }

  finish(): ChainReport {
    for (const [seq, hash] of this.#anchors) {
      if (this.#reachesEnd && seq > this.#head.seq) {
        this.#fail(
          seq,
          'ANCHOR_MISSING',
          `the ledger ends at seq ${this.#head.seq} but an anchor records seq ${seq} (${hash}): the tail was truncated`,
        );
      }
    }
    return {
      ok: this.#failures.length === 0 && this.#omitted === 0,
      events: this.#events,
      head: this.#head,
      failures: this.#failures,
      failures_omitted: this.#omitted,
    };
  }

  #parse(row: StoredRow): Record<string, unknown> | undefined {
    try {
      const value: unknown = JSON.parse(decoder.decode(row.body));
      if (value !== null && typeof value === 'object' && !Array.isArray(value))
        return value as Record<string, unknown>;
    } catch {
      // Reported just below: unreadable bodies are a finding, not an error of the verifier.
    }
    this.#fail(row.seq, 'BODY_UNREADABLE', 'the stored body is not a UTF-8 JSON object');
    return undefined;
  }

  #checkColumns(row: StoredRow, envelope: Record<string, unknown>): void {
    const differing = INDEXED_COLUMNS.filter((column) => envelope[column] !== row[column]);
    if (differing.length > 0) {
      this.#fail(
        row.seq,
        'COLUMN_MISMATCH',
        `indexed column(s) ${differing.join(', ')} differ from the hashed body`,
      );
    }
  }

  #fail(seq: number, code: ChainFailureCode, message: string): void {
    if (this.#failures.length < this.#maxFailures) this.#failures.push({ seq, code, message });
    else this.#omitted++;
  }
}

export function verifyChain(rows: Iterable<StoredRow>, options: VerifyOptions): ChainReport {
  const verifier = new ChainVerifier(options);
  for (const row of rows) verifier.push(row);
  return verifier.finish();
}

/**
 * The seq ranges of a ledger verified in `parts` segments, for a head at `headSeq`: the first range
 * is open below and the last ends at the head, so rows with any seq — a forged 0 or negative one
 * included — fall in exactly one range, as they would in a single pass.
 */
export function segmentRanges(headSeq: number, parts: number): { from?: number; to: number }[] {
  const count = Math.max(1, Math.min(parts, headSeq));
  const size = Math.ceil(headSeq / count);
  const ranges: { from?: number; to: number }[] = [];
  for (let i = 0; i < count; i++) {
    const to = i === count - 1 ? headSeq : (i + 1) * size;
    ranges.push(i === 0 ? { to } : { from: i * size + 1, to });
  }
  return ranges.filter((r) => r.from === undefined || r.from <= r.to);
}

/**
 * Joins the reports of consecutive segments (each verified with `segment.after` set to the stored
 * head before it) into the report one pass would give: every segment keeps its first failures in
 * seq order, so the first `maxFailures` of all of them are among those kept.
 */
export function mergeChainReports(
  parts: readonly ChainReport[],
  maxFailures = DEFAULT_MAX_FAILURES,
): ChainReport {
  const all = parts.flatMap((p) => p.failures);
  const failures = all.slice(0, maxFailures);
  const omitted = parts.reduce((sum, p) => sum + p.failures_omitted, all.length - failures.length);
  return {
    ok: failures.length === 0 && omitted === 0,
    events: parts.reduce((sum, p) => sum + p.events, 0),
    head: parts.at(-1)?.head ?? { seq: 0, hash: GENESIS_HASH },
    failures,
    failures_omitted: omitted,
  };
}
