import { KfmError } from '../../errors.js';
import {
  type Actor,
  checkDraft,
  ENVELOPE_VERSION,
  type Envelope,
  type SealedEvent,
} from '../../events/index.js';
import { canonicalJson } from './canonical-json.js';
import { type EventHasher, utf8 } from './event-hash.js';

export interface ChainHead {
  seq: number;
  hash: string;
}

export interface SealContext {
  head: ChainHead;
  actor: Actor;
  hasher: EventHasher;
  /** Injected so a replay of the same inputs gives the same bytes. */
  now: () => number;
  newEventId: (timeMs: number) => string;
}

/**
 * Turns writers' drafts into sealed events that extend `head`: validates each draft against the
 * vocabulary, assigns seq/event_id/recorded_at, links prev_hash and hashes the canonical bytes.
 * Throws before returning anything if any draft is invalid, so a batch is all or nothing; the
 * error's `details.index` names the draft.
 */
export function sealEvents(drafts: readonly unknown[], context: SealContext): SealedEvent[] {
  const sealed: SealedEvent[] = [];
  let { seq, hash } = context.head;
  for (let index = 0; index < drafts.length; index++) {
    const checked = checkDraft(drafts[index]);
    if (!checked.ok) {
      const listed = checked.issues.map((issue) => `${issue.path || 'event'}: ${issue.message}`).join('; ');
      throw new KfmError('INVALID_EVENT', listed, {
        details: { index, issues: checked.issues },
      });
    }
    const timeMs = context.now();
    const envelope: Envelope = {
      v: ENVELOPE_VERSION,
      seq: seq + 1,
      event_id: context.newEventId(timeMs),
      type: checked.draft.type,
      dataset_id: checked.draft.dataset_id,
      run_id: checked.draft.run_id,
      recorded_at: new Date(timeMs).toISOString(),
      actor: context.actor,
      payload: checked.draft.payload,
      prev_hash: hash,
    };
    const body = utf8(canonicalJsonOfEvent(envelope, index));
    seq = envelope.seq;
    hash = context.hasher(body);
    sealed.push({ envelope, body, hash });
  }
  return sealed;
}

function canonicalJsonOfEvent(envelope: Envelope, index: number): string {
  try {
    return canonicalJson(envelope, 'event');
  } catch (error) {
    if (error instanceof KfmError) {
      throw new KfmError('NON_CANONICAL_VALUE', error.message, {
        details: { index, ...error.details },
      });
    }
    throw error;
  }
}
