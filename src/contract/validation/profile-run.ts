import { join } from 'node:path';
import type { DatasetProfile, PayloadOf } from '../../events/index.js';
import type { StageScope } from '../stage-scope.js';
import type { Check } from './builtin-checks.js';
import { discloseProfile } from './profile-disclosure.js';
import { profileFiles } from './profile-outputs.js';
import { type PreviousProfile, profileRegressionCheck } from './profile-regression.js';

export interface RunProfile {
  /** As disclosed (profile-disclosure.ts): what validation.reported and version.published record. */
  profile: DatasetProfile;
  check: Check;
}

/**
 * validate's profiling step: the profile of the run's outputs, and the `profile_regression` check
 * against the dataset's latest published version (README "Profiles"). Both profiles compared are
 * disclosed ones, so the comparison is the one anyone replaying the ledger can make.
 */
export async function profileRun(
  scope: StageScope,
  outputs: readonly { path: string; zone: 'raw' | 'work' }[],
): Promise<RunProfile> {
  const ds = scope.request.dataset_id;
  const measured = await profileFiles(
    { format: scope.connector.format, keys: scope.connector.keys },
    outputs.map((o) => ({ path: o.path, file: join(scope.layout[o.zone], ds, o.path) })),
    scope.entry?.upstream?.encoding,
  );
  const profile = discloseProfile(measured.measure(), scope.entry);
  const published = await scope.datasetEvents('version.published');
  const check = profileRegressionCheck({
    previous: previousProfile(published.at(-1)?.payload as PayloadOf<'version.published'> | undefined),
    current: profile,
    entry: scope.entry,
    windowed: scope.connector.windowed !== undefined,
  });
  return { profile, check };
}

function previousProfile(payload: PayloadOf<'version.published'> | undefined): PreviousProfile | null {
  if (payload?.profile === undefined) return null;
  const declared = (payload.registry as { profile_version?: unknown }).profile_version;
  return {
    version_id: payload.version_id,
    profile: payload.profile,
    profile_version: typeof declared === 'number' ? declared : 1,
  };
}
