import type { DatasetProfile } from '../../events/index.js';
import type { DatasetEntry } from '../../registry/dataset-entry.js';
import type { Check } from './builtin-checks.js';

/**
 * Generous on purpose (README "Profiles"): they catch a version that lost half its rows or filled a
 * column with nulls, not ordinary growth. A registry's `profile_tolerances` narrows them.
 */
export const DEFAULT_TOLERANCES = { row_count_change: 0.5, null_rate_increase: 0.25 } as const;

export interface ProfileRegression {
  /** null: the dataset as a whole (row count). */
  column: string | null;
  metric: 'row_count_change' | 'null_rate_increase';
  previous: number;
  current: number;
  tolerance: number;
}

/** The last published version to compare with, as its version.published recorded it. */
export interface PreviousProfile {
  version_id: string;
  profile: DatasetProfile;
  profile_version: number;
}

export interface RegressionInput {
  previous: PreviousProfile | null;
  current: DatasetProfile;
  entry: Pick<DatasetEntry, 'profile_tolerances' | 'profile_version' | 'profile_explanation'> | null;
  /**
   * A time-windowed connector's runs each hold one window, whose size varies by nature: its row
   * count is compared only when the registry declares row_count_change.
   */
  windowed: boolean;
}

/** Every metric beyond tolerance, dataset first, then columns by name. Pure. */
export function findRegressions(input: RegressionInput & { previous: PreviousProfile }): ProfileRegression[] {
  const { previous, current, entry } = input;
  const tolerances = entry?.profile_tolerances;
  const found: ProfileRegression[] = [];
  const rowTolerance =
    tolerances?.row_count_change ?? (input.windowed ? undefined : DEFAULT_TOLERANCES.row_count_change);
  const before = previous.profile.rows;
  if (rowTolerance !== undefined && Math.abs(current.rows - before) > rowTolerance * before)
    found.push({
      column: null,
      metric: 'row_count_change',
      previous: before,
      current: current.rows,
      tolerance: rowTolerance,
    });
  for (const column of current.columns) {
    const was = previous.profile.columns.find((c) => c.name === column.name);
    if (was === undefined) continue;
    const tolerance =
      tolerances?.columns?.[column.name]?.null_rate_increase ??
      tolerances?.null_rate_increase ??
      DEFAULT_TOLERANCES.null_rate_increase;
    if (column.null_rate - was.null_rate > tolerance)
      found.push({
        column: column.name,
        metric: 'null_rate_increase',
        previous: was.null_rate,
        current: column.null_rate,
        tolerance,
      });
  }
  return found;
}

/**
 * validate's `profile_regression` check: passes within tolerance, or beyond it when the change is
 * explained — the registry's profile_version raised since the last version and profile_explanation
 * saying why (recorded in the check's details, so in validation.reported).
 */
export function profileRegressionCheck(input: RegressionInput): Check {
  const name = 'profile_regression';
  if (input.previous === null)
    return { name, passed: true, message: 'no earlier published profile to compare with' };
  const previous = input.previous;
  const regressions = findRegressions({ ...input, previous });
  const against = `${previous.version_id} (${previous.profile.rows} → ${input.current.rows} rows)`;
  if (regressions.length === 0) return { name, passed: true, message: `within tolerance of ${against}` };
  const said = regressions.map(describeRegression).join('; ');
  const raisedTo = input.entry?.profile_version ?? 1;
  const explanation = input.entry?.profile_explanation;
  const raised = raisedTo > previous.profile_version;
  const details = { failed: regressions.length, previous_version: previous.version_id, regressions };
  if (raised && explanation !== undefined)
    return {
      name,
      passed: true,
      message: `beyond tolerance of ${against}, explained by profile_version ${raisedTo}: ${said}`,
      details: { ...details, profile_version: raisedTo, explanation },
    };
  const fix = raised
    ? `profile_version is raised to ${raisedTo} but profile_explanation is missing: say why the profile changed`
    : `if the change is expected, raise profile_version (now ${previous.profile_version}) in the registry entry and say why in profile_explanation`;
  return { name, passed: false, message: `beyond tolerance of ${against}: ${said}; ${fix}`, details };
}

export function describeRegression(r: ProfileRegression): string {
  if (r.metric === 'row_count_change') {
    const change = r.previous === 0 ? '' : ` (${signedPercent((r.current - r.previous) / r.previous)})`;
    return `row count ${r.previous} → ${r.current}${change}, tolerance ±${percent(r.tolerance)}`;
  }
  return `column ${r.column}: null rate ${percent(r.previous)} → ${percent(r.current)}, tolerance +${percent(r.tolerance)}`;
}

function percent(fraction: number): string {
  return `${Number((fraction * 100).toFixed(2))} %`;
}

function signedPercent(fraction: number): string {
  return `${fraction >= 0 ? '+' : '−'}${percent(Math.abs(fraction))}`;
}
