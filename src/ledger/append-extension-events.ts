import { KfmError } from '../errors.js';
import { isKnownEventType } from '../events/index.js';
import type { LedgerDoor } from './ledger-door.js';
import type { AppendResult } from './ledger-store.js';

/**
 * The append door of everyone but the stage runtime (`kfm append`, connectors in other languages):
 * extension facts `x.<namespace>.<name>` only. A core event (`validation.reported`,
 * `version.published` …) is what the gate and verify believe, so only the runtime, which performed
 * the step, may record it; one copied from another run with `passed: true` would otherwise publish
 * a failed run. The whole batch is refused before anything is sealed, so nothing is appended.
 */
export async function appendExtensionEvents(
  ledger: Pick<LedgerDoor, 'append'>,
  drafts: readonly unknown[],
): Promise<AppendResult> {
  const reserved = drafts.flatMap((draft, index) => {
    const type = typeOf(draft);
    return type !== undefined && isKnownEventType(type) ? [{ index, type }] : [];
  });
  const first = reserved[0];
  if (first !== undefined) {
    const more = reserved.length > 1 ? ` (and ${reserved.length - 1} more core event(s) in the batch)` : '';
    throw new KfmError(
      'RESERVED_TYPE',
      `type: '${first.type}' is a core event type${more}; core events come only from the stage runtime (kfm ingest|transform|validate|promote|backfill); record site facts as x.<namespace>.<name>`,
      { details: { index: first.index, type: first.type, reserved: reserved.length } },
    );
  }
  return ledger.append(drafts);
}

function typeOf(draft: unknown): string | undefined {
  if (typeof draft !== 'object' || draft === null || !Object.hasOwn(draft, 'type')) return undefined;
  const type = (draft as { type: unknown }).type;
  return typeof type === 'string' ? type : undefined;
}
