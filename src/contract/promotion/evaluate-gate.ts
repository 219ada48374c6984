import { isGeneralized } from '../../policy/generalize-geometry.js';
import type { HistoryCode } from '../../projections/audit-failure.js';
import { HistoryChecker, unvalidatedContent } from '../../projections/history-invariants.js';
import { isType, type LedgerEvent } from '../../projections/ledger-event.js';
import { type DatasetEntry, missingForPromotion } from '../../registry/dataset-entry.js';

/** The Promotion Contract's stable denial codes (docs/design.md, "Promotion Contract"). */
export type GateCode =
  | 'REGISTRY_MISSING'
  | 'LICENSE_MISSING'
  | 'SENSITIVITY_MISSING'
  | 'POLICY_LABELS_MISSING'
  | 'RAW_CHECKSUM_MISMATCH'
  | 'VALIDATION_MISSING'
  | 'VALIDATION_FAILED'
  | 'RECEIPT_INVALID'
  | 'ARTIFACT_CHECKSUM_MISSING'
  | 'CATALOG_INVALID'
  | 'REDACTION_REQUIRED'
  | 'AGGREGATE_REQUIRED'
  | HistoryCode;

export interface GateReason {
  code: GateCode;
  message: string;
}

/** A file as recorded by an event beside what is on disk now (null: gone). */
export interface Rehashed {
  path: string;
  expected: string;
  found: string | null;
}

export interface GateInput {
  /** null when data/registry/<id>.yml is gone: nothing about the dataset can be vouched for. */
  entry: DatasetEntry | null;
  /** The run's events before this promotion started. */
  events: readonly LedgerEvent[];
  raw: readonly Rehashed[];
  outputs: readonly Rehashed[];
  /** Receipts by file name, sha256 of their projection from the ledger against the file on disk. */
  receipts: readonly Rehashed[];
  catalogs: readonly { kind: string; valid: boolean; errors: readonly { path: string; message: string }[] }[];
  /** Every geometry in the outputs (spatial datasets), to check generalization coordinate by coordinate. */
  geometries: readonly unknown[];
}

/**
 * Fail closed: evaluates every rule and returns every reason to deny (empty: promote). Pure, so each
 * rule is tested with a case that trips exactly it. Nothing here is ever "published anyway".
 */
export function evaluateGate(input: GateInput): GateReason[] {
  const reasons: GateReason[] = [];
  const deny = (code: GateCode, message: string) => reasons.push({ code, message });
  const { entry, events } = input;

  if (entry === null)
    deny('REGISTRY_MISSING', 'the dataset has no registry entry (data/registry/<dataset_id>.yml)');
  else {
    for (const m of missingForPromotion(entry)) deny(m.code, `registry ${m.field}: ${m.message}; ${m.fix}`);
  }
  const badRaw = input.raw.filter((r) => r.found !== r.expected);
  if (badRaw.length > 0)
    deny('RAW_CHECKSUM_MISMATCH', `raw file(s) changed or missing since capture: ${rehashed(badRaw)}`);

  const validation = events.filter((e) => isType(e, 'validation.reported')).at(-1);
  const lastChange = events
    .filter((e) => isType(e, 'work.artifact.written') || isType(e, 'transform.applied'))
    .at(-1);
  if (validation === undefined)
    deny('VALIDATION_MISSING', 'the run was never validated: run kfm validate first');
  else if (lastChange !== undefined && lastChange.seq > validation.seq) {
    deny(
      'VALIDATION_MISSING',
      `outputs changed at seq ${lastChange.seq}, after the validation at seq ${validation.seq}: validate again`,
    );
  } else if (!isType(validation, 'validation.reported') || !validation.payload.passed) {
    deny('VALIDATION_FAILED', `the validation at seq ${validation.seq} failed; see validation_report.json`);
  }

  historyRule(input, deny);

  const badReceipts = input.receipts.filter((r) => r.found !== r.expected);
  if (badReceipts.length > 0) {
    deny(
      'RECEIPT_INVALID',
      `receipt(s) missing or not equal to their projection from the ledger: ${rehashed(badReceipts)}`,
    );
  }
  const badOutputs = input.outputs.filter((o) => o.found !== o.expected);
  if (input.outputs.length === 0) deny('ARTIFACT_CHECKSUM_MISSING', 'the run has no outputs to publish');
  else if (badOutputs.length > 0) {
    deny(
      'ARTIFACT_CHECKSUM_MISSING',
      `output(s) missing or not matching their recorded sha256: ${rehashed(badOutputs)}`,
    );
  }
  for (const catalog of input.catalogs.filter((c) => !c.valid)) {
    const first = catalog.errors
      .slice(0, 3)
      .map((e) => `${e.path || '/'} ${e.message}`)
      .join('; ');
    deny('CATALOG_INVALID', `the ${catalog.kind} catalog does not validate against its schema: ${first}`);
  }
  if (entry?.sensitivity === 'sensitive-location') redactionRule(input, entry, deny);
  if (entry?.sensitivity === 'aggregate-only') aggregateRule(input, deny);
  return reasons;
}

/**
 * The run's history must be one the stage runtime wrote (the invariants `kfm verify --deep` checks):
 * a validation.reported forged outside a validate stage, say, must not open the gate.
 */
function historyRule(input: GateInput, deny: (code: GateCode, message: string) => void): void {
  const history = new HistoryChecker();
  for (const event of input.events) history.push(event);
  for (const f of history.finish()) deny(f.code, `seq ${f.seq}: ${f.message}`);
  const first = input.events[0];
  const validated = first === undefined ? null : history.validatedContent(first.dataset_id, first.run_id);
  if (validated === null) return; // VALIDATION_MISSING or VALIDATION_FAILED
  const unvalidated = unvalidatedContent(
    input.outputs.map((o) => o.expected),
    validated,
  );
  if (unvalidated !== null) deny('VERSION_CONTENT_UNVALIDATED', `the version to publish: ${unvalidated}`);
}

function redactionRule(
  input: GateInput,
  entry: DatasetEntry,
  deny: (code: GateCode, message: string) => void,
): void {
  const precision = entry.generalization?.precision_deg;
  if (precision === undefined) return; // missingForPromotion already denied it
  const generalized = input.events.some(
    (e) => isType(e, 'transform.applied') && /generali[sz]e/.test(e.payload.name),
  );
  if (!generalized) {
    deny(
      'REDACTION_REQUIRED',
      'a sensitive-location dataset must be generalized by a recorded transform before promotion (run kfm transform)',
    );
    return;
  }
  const finer = input.geometries.filter((g) => !isGeneralized(g, precision)).length;
  if (finer > 0)
    deny(
      'REDACTION_REQUIRED',
      `${finer} geometr${finer === 1 ? 'y has' : 'ies have'} coordinates finer than ${precision}°`,
    );
}

function aggregateRule(input: GateInput, deny: (code: GateCode, message: string) => void): void {
  const aggregated = new Set(
    input.events.flatMap((e) =>
      isType(e, 'transform.applied') && e.payload.name.startsWith('aggregate') ? e.payload.outputs : [],
    ),
  );
  const raw = input.outputs.filter((o) => !aggregated.has(o.path));
  if (raw.length > 0)
    deny(
      'AGGREGATE_REQUIRED',
      `an aggregate-only dataset may publish only outputs of an aggregate transform; not: ${raw.map((o) => o.path).join(', ')}`,
    );
}

/** Full digests, so the promotion.denied event itself is evidence of what was found on disk. */
function rehashed(files: readonly Rehashed[]): string {
  return files
    .map(
      (f) =>
        `${f.path} (expected sha256 ${f.expected}, found ${f.found === null ? 'no file' : `sha256 ${f.found}`})`,
    )
    .join(', ');
}
