import { contentHash, versionIdOf } from '../../src/contract/promotion/content-hash.js';
import { nobleSha256Hex } from '../../src/ledger/pure/event-hash.js';
import { H, started } from './ledger-events.js';

/** Drafts as `ledgerEvents` takes them: `[run_id, type, payload]`, all of one dataset. */
export type RunDraft = [string, string, Record<string, unknown>];

export const AUDIT_DS = 'ds_audit';
const REGISTRY = {
  dataset_id: AUDIT_DS,
  license: 'CC-BY-4.0',
  sensitivity: 'public',
  policy_labels: ['open'],
};

export interface Artifact {
  path: string;
  sha256: string;
  bytes: number;
}

export const artifact = (path: string, hexChar: string, bytes = 10): Artifact => ({
  path,
  sha256: H(hexChar),
  bytes,
});

/** A version.published payload whose content_hash and version_id follow from its artifacts. */
export function publishedPayload(
  artifacts: Artifact[],
  overrides: Record<string, unknown> = {},
): Record<string, unknown> & { version_id: string; content_hash: string } {
  const content_hash = contentHash(AUDIT_DS, artifacts, nobleSha256Hex);
  return {
    version_id: versionIdOf(content_hash),
    content_hash,
    artifacts,
    supersedes: null,
    registry: REGISTRY,
    ...overrides,
  };
}

export const reusedPayload = (published: { version_id: string; content_hash: string }) => ({
  version_id: published.version_id,
  content_hash: published.content_hash,
  registry: REGISTRY,
});

export const stage = (
  run: string,
  name: string,
  ...body: [string, Record<string, unknown>][]
): RunDraft[] => [
  [run, 'run.started', started(name)],
  ...body.map(([type, payload]): RunDraft => [run, type, payload]),
  [run, 'run.completed', { status: 'succeeded' }],
];

export const validation = (passed: boolean): [string, Record<string, unknown>] => [
  'validation.reported',
  { passed, checks: [{ name: 'rows', passed }] },
];

export const workWritten = (path: string): [string, Record<string, unknown>] => [
  'work.artifact.written',
  { path, sha256: H('9'), bytes: 3, derived_from: [] },
];

export const denied: [string, Record<string, unknown>] = [
  'promotion.denied',
  { reasons: [{ code: 'LICENSE_MISSING', message: 'no licence' }] },
];

/** The truth path of one run: transform → validate (passed) → promote, recording `version`. */
export function promotedRun(run: string, versionType: string, version: Record<string, unknown>): RunDraft[] {
  return [
    ...stage(run, 'transform', workWritten(`runs/${run}/artifacts/a.csv`)),
    ...stage(run, 'validate', validation(true)),
    ...stage(run, 'promote', [versionType, version]),
  ];
}
