import type { Column, Columns } from '../ledger/read-models.js';
import type { CaptureRow, RunRow, VersionRow } from './projection-rows.js';

/**
 * How projection rows are stored: one column per scalar, JSON text for lists, 0/1 for booleans
 * (the layout is the ledger's, src/ledger/read-models.ts, as its migrations create the tables). Every
 * store encodes through here, so a stored row and its replay compare as equal column values; JSON
 * text is written by JSON.stringify from objects built in a fixed key order.
 */

const json = (value: unknown): string => JSON.stringify(value);
/** SQLite has no undefined; a field missing from a (tampered) payload is stored, and replayed, as null. */
const nulls = (columns: Record<string, Column | undefined>): Columns => {
  for (const key in columns) if (columns[key] === undefined) columns[key] = null;
  return columns as Columns;
};
const bool = (value: boolean): number => (value ? 1 : 0);

export function encodeRun(r: RunRow): Columns {
  return nulls({
    dataset_id: r.dataset_id,
    run_id: r.run_id,
    status: r.status,
    stage: r.stage,
    first_seq: r.first_seq,
    last_seq: r.last_seq,
    started_at: r.started_at,
    completed_at: r.completed_at,
    stages: json(r.stages),
    captures: r.captures,
    validation_passed: r.validation === null ? null : bool(r.validation.passed),
    validation_seq: r.validation?.seq ?? null,
    version_id: r.version_id,
    reused: bool(r.reused),
    promotion_seq: r.promotion_seq,
    denied: r.denied === null ? null : json(r.denied),
    parent_run_id: r.parent_run_id,
  });
}

export function decodeRun(c: Columns): RunRow {
  return {
    dataset_id: c.dataset_id as string,
    run_id: c.run_id as string,
    parent_run_id: c.parent_run_id as string | null,
    status: c.status as RunRow['status'],
    stage: c.stage as RunRow['stage'],
    first_seq: c.first_seq as number,
    last_seq: c.last_seq as number,
    started_at: c.started_at as string,
    completed_at: c.completed_at as string | null,
    stages: JSON.parse(c.stages as string) as RunRow['stages'],
    captures: c.captures as number,
    validation:
      c.validation_passed === null
        ? null
        : { passed: c.validation_passed === 1, seq: c.validation_seq as number },
    version_id: c.version_id as string | null,
    reused: c.reused === 1,
    promotion_seq: c.promotion_seq as number | null,
    denied: c.denied === null ? null : (JSON.parse(c.denied as string) as string[]),
  };
}

export function encodeVersion(v: VersionRow): Columns {
  return nulls({
    dataset_id: v.dataset_id,
    version_id: v.version_id,
    content_hash: v.content_hash,
    run_id: v.run_id,
    seq: v.seq,
    hash: v.hash,
    published_at: v.published_at,
    supersedes: v.supersedes,
    artifacts: json(v.artifacts),
    bbox: v.bbox === null ? null : json(v.bbox),
  });
}

export function decodeVersion(c: Columns): VersionRow {
  return {
    dataset_id: c.dataset_id as string,
    version_id: c.version_id as string,
    content_hash: c.content_hash as string,
    run_id: c.run_id as string,
    seq: c.seq as number,
    hash: c.hash as string,
    published_at: c.published_at as string,
    supersedes: c.supersedes as string | null,
    artifacts: JSON.parse(c.artifacts as string) as VersionRow['artifacts'],
    bbox: c.bbox === null ? null : (JSON.parse(c.bbox as string) as VersionRow['bbox']),
  };
}

export function encodeCapture(r: CaptureRow): Columns {
  return nulls({ ...r, seen_before: bool(r.seen_before) });
}

export function decodeCapture(c: Columns): CaptureRow {
  return { ...(c as unknown as CaptureRow), seen_before: c.seen_before === 1 };
}
