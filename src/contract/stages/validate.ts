import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isType } from '../../projections/ledger-event.js';
import { projectRunOutputs } from '../../projections/run-outputs.js';
import { ingestWindowOf } from '../../projections/run-window.js';
import { sha256File } from '../../zones/file-digest.js';
import type { StageScope } from '../stage-scope.js';
import { type Check, runChecks } from '../validation/builtin-checks.js';
import { readRecords } from '../validation/read-records.js';

export interface ValidateSummary {
  passed: boolean;
  checks: number;
  failed: string[];
}

/** Re-hashes files recorded by events of this run; null where a file is gone. */
async function rehash(dir: string, files: { path: string; sha256: string }[]) {
  return Promise.all(
    files.map(async (f) => ({
      path: f.path,
      expected: f.sha256,
      found: await sha256File(join(dir, f.path)).then(
        (d: { sha256: string }) => d.sha256,
        () => null,
      ),
    })),
  );
}

/** Gating: built-in checks plus the connector's, over the run's outputs; one validation.reported. */
export async function validate(scope: StageScope): Promise<ValidateSummary> {
  const ds = scope.request.dataset_id;
  const events = await scope.runEvents();
  const outputs = projectRunOutputs(events);
  const dirOf = (zone: 'raw' | 'work') => join(zone === 'raw' ? scope.layout.raw : scope.layout.work, ds);
  const captured = events
    .filter((e) => isType(e, 'raw.captured'))
    .map((e) => e.payload as { path: string; sha256: string });
  const raw = await rehash(dirOf('raw'), captured);
  const work = await rehash(
    dirOf('work'),
    outputs.filter((o) => o.zone === 'work'),
  );
  const files = await Promise.all(
    outputs.map(async (o) => ({
      path: o.path,
      bytes: await readFile(join(dirOf(o.zone), o.path)).catch(() => new Uint8Array()),
    })),
  );
  // Without a registry entry every registry fact counts as missing: checks fail closed.
  const entry = scope.entry ?? { dataset_id: scope.request.dataset_id };
  const checks: Check[] = runChecks({
    connector: scope.connector,
    registry: {
      license: entry.license,
      sensitivity: entry.sensitivity,
      policy_labels: entry.policy_labels,
      spatial: entry.spatial,
    },
    read: readRecords(scope.connector.format, files, entry.upstream?.encoding),
    // Time fields must lie in the window the run was ingested for.
    window: ingestWindowOf(await scope.runEvents()),
    raw,
  });
  const badWork = work.filter((w) => w.found !== w.expected);
  checks.push(
    badWork.length === 0
      ? {
          name: 'artifact_checksums',
          passed: true,
          message: `${work.length} work artifact(s) match their recorded sha256`,
        }
      : {
          name: 'artifact_checksums',
          passed: false,
          message: `${badWork.length} work artifact(s) missing or changed: ${badWork.map((w) => w.path).join(', ')}`,
          details: { failed: badWork.length },
        },
  );
  // Loaded here: profiling brings the CSV stream parser and the HyperLogLog sketch (bloom-filters,
  // xxhash-wasm), which the other stages, loaded with this one (stages/index.ts), never use.
  const { profileRun } = await import('../validation/profile-run.js');
  const { profile, check: regression } = await profileRun(scope, outputs);
  checks.push(regression);
  const passed = checks.every((c) => c.passed);
  const named = outputs.map((o) => ({ path: o.path, sha256: o.sha256 }));
  const seq = await scope.record('validation.reported', { passed, outputs: named, checks, profile });
  const failed = checks.filter((c) => !c.passed).map((c) => c.name);
  scope.log.info(passed ? `all ${checks.length} checks passed` : `validation failed: ${failed.join(', ')}`, {
    seq,
  });
  return { passed, checks: checks.length, failed };
}
