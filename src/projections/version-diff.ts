import type { ColumnProfile, DatasetProfile, PayloadOf } from '../events/index.js';
import { isType, type LedgerEvent } from './ledger-event.js';

/** A published version as its version.published recorded it: all `kfm profile` and `kfm diff` read. */
export interface PublishedVersion {
  dataset_id: string;
  version_id: string;
  seq: number;
  published_at: string;
  artifacts: PayloadOf<'version.published'>['artifacts'];
  /** Absent for a version published before profiles were recorded (issue 17). */
  profile?: DatasetProfile;
}

type Artifact = PublishedVersion['artifacts'][number];
type Value = number | string | boolean | null;

/** A metric that differs between the two versions; column null: the dataset as a whole. */
export interface ProfileDelta {
  column: string | null;
  metric: string;
  from: Value;
  to: Value;
}

export interface VersionDiff {
  dataset_id: string;
  from: { version_id: string; seq: number; published_at: string };
  to: { version_id: string; seq: number; published_at: string };
  artifacts: {
    added: Artifact[];
    removed: Artifact[];
    changed: { path: string; from: Omit<Artifact, 'path'>; to: Omit<Artifact, 'path'> }[];
    unchanged: string[];
  };
  /** False when either version has no profile: rows, columns and deltas are then empty. */
  profiled: boolean;
  rows: { from: number; to: number } | null;
  columns: { added: string[]; removed: string[]; retyped: { name: string; from: string; to: string }[] };
  deltas: ProfileDelta[];
}

/** The dataset's published versions, oldest first, from its version.published events. Pure. */
export function projectPublishedVersions(events: Iterable<LedgerEvent>): PublishedVersion[] {
  const versions: PublishedVersion[] = [];
  for (const event of events) {
    if (!isType(event, 'version.published')) continue;
    versions.push({
      dataset_id: event.dataset_id,
      version_id: event.payload.version_id,
      seq: event.seq,
      published_at: event.recorded_at,
      artifacts: event.payload.artifacts,
      ...(event.payload.profile === undefined ? {} : { profile: event.payload.profile }),
    });
  }
  return versions;
}

const COLUMN_METRICS = ['nulls', 'null_rate', 'distinct', 'min', 'max', 'earliest', 'latest'] as const;

/** What changed from one version to another, artifacts by path and sha256, profiles metric by metric. */
export function diffVersions(from: PublishedVersion, to: PublishedVersion): VersionDiff {
  const before = new Map(from.artifacts.map((a) => [a.path, a]));
  const after = new Map(to.artifacts.map((a) => [a.path, a]));
  const changed: VersionDiff['artifacts']['changed'] = [];
  const unchanged: string[] = [];
  for (const [path, now] of after) {
    const was = before.get(path);
    if (was === undefined) continue;
    if (was.sha256 === now.sha256) unchanged.push(path);
    else
      changed.push({
        path,
        from: { sha256: was.sha256, bytes: was.bytes },
        to: { sha256: now.sha256, bytes: now.bytes },
      });
  }
  const diff: VersionDiff = {
    dataset_id: to.dataset_id,
    from: { version_id: from.version_id, seq: from.seq, published_at: from.published_at },
    to: { version_id: to.version_id, seq: to.seq, published_at: to.published_at },
    artifacts: {
      added: to.artifacts.filter((a) => !before.has(a.path)),
      removed: from.artifacts.filter((a) => !after.has(a.path)),
      changed,
      unchanged,
    },
    profiled: false,
    rows: null,
    columns: { added: [], removed: [], retyped: [] },
    deltas: [],
  };
  if (from.profile === undefined || to.profile === undefined) return diff;
  return { ...diff, profiled: true, ...diffProfiles(from.profile, to.profile) };
}

function diffProfiles(
  from: DatasetProfile,
  to: DatasetProfile,
): Pick<VersionDiff, 'rows' | 'columns' | 'deltas'> {
  const before = new Map(from.columns.map((c) => [c.name, c]));
  const after = new Map(to.columns.map((c) => [c.name, c]));
  const deltas: ProfileDelta[] = [];
  const note = (column: string | null, metric: string, a: Value | undefined, b: Value | undefined) => {
    if (a !== b) deltas.push({ column, metric, from: a ?? null, to: b ?? null });
  };
  note(null, 'rows', from.rows, to.rows);
  note(null, 'keys.duplicates', from.keys?.duplicates, to.keys?.duplicates);
  note(null, 'keys.unique', from.keys?.unique, to.keys?.unique);
  note(null, 'geometry.features', from.geometry?.features, to.geometry?.features);
  note(null, 'geometry.bbox', bboxText(from.geometry?.bbox), bboxText(to.geometry?.bbox));
  const retyped: VersionDiff['columns']['retyped'] = [];
  for (const [name, now] of after) {
    const was = before.get(name);
    if (was === undefined) continue;
    if (was.type !== now.type) retyped.push({ name, from: was.type, to: now.type });
    for (const metric of COLUMN_METRICS) note(name, metric, metricOf(was, metric), metricOf(now, metric));
  }
  return {
    rows: { from: from.rows, to: to.rows },
    columns: {
      added: [...after.keys()].filter((name) => !before.has(name)),
      removed: [...before.keys()].filter((name) => !after.has(name)),
      retyped,
    },
    deltas,
  };
}

function metricOf(column: ColumnProfile, metric: (typeof COLUMN_METRICS)[number]): Value | undefined {
  return column[metric];
}

function bboxText(bbox: readonly number[] | null | undefined): string | undefined {
  return bbox === undefined ? undefined : bbox === null ? 'none' : `[${bbox.join(', ')}]`;
}
