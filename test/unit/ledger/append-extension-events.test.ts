import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KfmError } from '../../../src/errors.js';
import { KNOWN_EVENT_TYPES } from '../../../src/events/index.js';
import { appendExtensionEvents } from '../../../src/ledger/append-extension-events.js';
import { nobleEventHasher } from '../../../src/ledger/pure/event-hash.js';
import { memoryKfmLedger } from '../../support/kfm-ledgers.js';

function freshLedger() {
  let t = Date.parse('2026-12-01T00:00:00Z');
  return memoryKfmLedger({
    actor: { tool: 'kfm', tool_version: 'test' },
    hasher: nobleEventHasher,
    now: () => (t += 1),
  });
}

const note = (n: number) => ({ type: 'x.site.note', dataset_id: 'ks_a', run_id: 'r1', payload: { n } });

async function refusal(run: () => Promise<unknown>): Promise<KfmError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof KfmError) return error;
    throw error;
  }
  return expect.fail('expected RESERVED_TYPE');
}

describe('appendExtensionEvents', () => {
  it('appends x.<namespace>.<name> facts', async () => {
    const ledger = freshLedger();
    expect((await appendExtensionEvents(ledger, [note(1), note(2)])).last_seq).toBe(2);
  });

  describe('when any draft of the batch has a core type', () => {
    it.each(KNOWN_EVENT_TYPES)(
      'refuses %s as RESERVED_TYPE, naming its index, and appends nothing',
      async (type) => {
        const ledger = freshLedger();
        await appendExtensionEvents(ledger, [note(0)]);
        const head = await ledger.head();

        const error = await refusal(() =>
          appendExtensionEvents(ledger, [note(1), { ...note(2), type, payload: {} }, note(3)]),
        );

        expect(error.code).toBe('RESERVED_TYPE');
        expect(error.exitCode).toBe(2);
        expect(error.details).toMatchObject({ index: 1, type, reserved: 1 });
        expect(await ledger.head()).toEqual(head);
      },
    );

    it('refuses before the payload is checked: a valid core payload is refused all the same', async () => {
      const completed = { ...note(0), type: 'run.completed', payload: { status: 'succeeded' } };
      expect((await refusal(() => appendExtensionEvents(freshLedger(), [completed]))).code).toBe(
        'RESERVED_TYPE',
      );
    });

    it('refuses wherever core drafts sit in a batch, naming the first and counting them all', async () => {
      const draftOrCore = fc.oneof(
        fc.nat(99).map((n) => ({ core: false, draft: note(n) })),
        fc.constantFrom(...KNOWN_EVENT_TYPES).map((type) => ({ core: true, draft: { ...note(0), type } })),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(draftOrCore, { minLength: 1, maxLength: 12 }), async (batch) => {
          fc.pre(batch.some((b) => b.core));
          const ledger = freshLedger();
          const error = await refusal(() =>
            appendExtensionEvents(
              ledger,
              batch.map((b) => b.draft),
            ),
          );
          expect(error.details).toMatchObject({
            index: batch.findIndex((b) => b.core),
            reserved: batch.filter((b) => b.core).length,
          });
          expect((await ledger.head()).seq).toBe(0);
        }),
      );
    });
  });
});
