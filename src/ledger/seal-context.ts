import { monotonicFactory } from 'ulid';
import type { Actor } from '../events/index.js';
import { nodeEventHasher } from './node-hasher.js';
import type { EventHasher } from './pure/event-hash.js';
import type { ChainHead, SealContext } from './pure/seal-events.js';

export interface SealDefaults {
  actor: Actor;
  hasher?: EventHasher;
  now?: () => number;
}

/**
 * One ULID factory for the whole process, so event ids stay increasing across every ledger handle
 * it opens (a factory per handle let two handles in one process interleave ids out of order).
 */
const ulid = monotonicFactory();

/** The impure parts of sealing (clock, ULIDs, node:crypto), gathered at the edge. */
export function sealContextFactory(defaults: SealDefaults): (head: ChainHead) => SealContext {
  const hasher = defaults.hasher ?? nodeEventHasher;
  const now = defaults.now ?? Date.now;
  return (head) => ({ head, actor: defaults.actor, hasher, now, newEventId: (ms) => ulid(ms) });
}
