import { z } from 'zod';
import { ENVELOPE_VERSION } from './constants.js';
import { DatasetId, EventId, EXTENSION_TYPE_PATTERN, RunId, Sha256Hex, Timestamp } from './ids.js';
import {
  ExtensionPayload,
  isKnownEventType,
  type KnownEventType,
  PAYLOADS,
  type PayloadOf,
} from './vocabulary.js';

export const EventType = z.string().refine((t) => isKnownEventType(t) || EXTENSION_TYPE_PATTERN.test(t), {
  message:
    'unknown event type: use one of the vocabulary (run.started, raw.captured, …) or x.<namespace>.<name>',
});

export const Actor = z.strictObject({
  tool: z.string().min(1),
  tool_version: z.string().min(1),
  git_sha: z
    .string()
    .regex(/^[0-9a-f]{7,64}$/)
    .optional(),
  connector: z.string().min(1).optional(),
  /** Who ran the tool (KFM_OPERATOR, else the OS user): the operator agent in PROV. */
  operator: z.string().min(1).max(128).optional(),
});
export type Actor = z.infer<typeof Actor>;

/** What a writer hands to the ledger; the ledger assigns seq, ids, time and the chain links. */
export const EventDraft = z.strictObject({
  type: EventType,
  dataset_id: DatasetId,
  run_id: RunId,
  payload: ExtensionPayload,
});
export type EventDraft = z.infer<typeof EventDraft>;

/** The envelope exactly as hashed: everything but `hash` (docs/design.md, "Event envelope (v1)"). */
const EnvelopeShape = z.strictObject({
  v: z.literal(ENVELOPE_VERSION),
  seq: z.number().int().positive(),
  event_id: EventId,
  type: EventType,
  dataset_id: DatasetId,
  run_id: RunId,
  recorded_at: Timestamp,
  actor: Actor,
  payload: ExtensionPayload,
  prev_hash: Sha256Hex,
});
export type Envelope = z.infer<typeof EnvelopeShape>;

export type TypedEnvelope<T extends KnownEventType> = Omit<Envelope, 'type' | 'payload'> & {
  type: T;
  payload: PayloadOf<T>;
};

/** A sealed event: its envelope, the canonical bytes that were hashed, and the hash. */
export interface SealedEvent {
  envelope: Envelope;
  body: Uint8Array;
  hash: string;
}

export interface SchemaIssue {
  path: string;
  message: string;
}

function issuesOf(error: z.ZodError, prefix: string): SchemaIssue[] {
  return error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter(Boolean).join('.'),
    message: issue.message,
  }));
}

/** Checks a payload against its type's schema; returns the issues (empty when valid). */
export function checkPayload(type: string, payload: unknown): SchemaIssue[] {
  const schema = isKnownEventType(type) ? PAYLOADS[type] : ExtensionPayload;
  const result = schema.safeParse(payload);
  return result.success ? [] : issuesOf(result.error, 'payload');
}

/** Validates a writer's draft: envelope fields, then the payload for its type. */
export function checkDraft(
  draft: unknown,
): { ok: true; draft: EventDraft } | { ok: false; issues: SchemaIssue[] } {
  const parsed = EventDraft.safeParse(draft);
  if (!parsed.success) return { ok: false, issues: issuesOf(parsed.error, '') };
  const issues = checkPayload(parsed.data.type, parsed.data.payload);
  return issues.length === 0 ? { ok: true, draft: parsed.data } : { ok: false, issues };
}

/** Validates a stored envelope (as parsed from its body) including its payload. */
export function checkEnvelope(value: unknown): SchemaIssue[] {
  const parsed = EnvelopeShape.safeParse(value);
  if (!parsed.success) return issuesOf(parsed.error, '');
  return checkPayload(parsed.data.type, parsed.data.payload);
}

export function isEventOfType<T extends KnownEventType>(
  envelope: Envelope,
  type: T,
): envelope is TypedEnvelope<T> {
  return envelope.type === type;
}
