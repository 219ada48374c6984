import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { encodeTime } from 'ulid';
import { describe, expect, it } from 'vitest';
import { KfmError } from '../../../src/errors.js';
import { nobleEventHasher } from '../../../src/ledger/pure/event-hash.js';
import { type SealContext, sealEvents } from '../../../src/ledger/pure/seal-events.js';
import {
  ACTOR,
  countingUlids,
  extensionDraft,
  runDrafts,
  START_MS,
  steppingClock,
} from './chain-fixtures.js';

const HEAD = { seq: 41, hash: 'ab'.repeat(32) };

function context(patch: Partial<SealContext> = {}): SealContext {
  return {
    head: HEAD,
    actor: ACTOR,
    hasher: nobleEventHasher,
    now: steppingClock(START_MS, 1500),
    newEventId: countingUlids(),
    ...patch,
  };
}

/** sha256("kfm.event.v1\n" ‖ body), computed here with node:crypto, apart from the code under test. */
function independentEventHash(body: Uint8Array): string {
  return createHash('sha256').update('kfm.event.v1\n').update(body).digest('hex');
}

function sealError(run: () => unknown): KfmError {
  try {
    run();
  } catch (error) {
    if (error instanceof KfmError) return error;
    throw error;
  }
  return expect.fail('expected sealEvents to throw');
}

describe('sealEvents', () => {
  describe('when the drafts are valid', () => {
    const drafts = [...runDrafts(), extensionDraft(1)];
    const sealed = sealEvents(drafts, context());

    it('numbers the events on from the given head', () => {
      expect(sealed.map((e) => e.envelope.seq)).toEqual([42, 43, 44, 45]);
    });

    it('links the first event to the head and each later one to the event before it', () => {
      expect(sealed[0]!.envelope.prev_hash).toBe(HEAD.hash);
      for (let i = 1; i < sealed.length; i++) expect(sealed[i]!.envelope.prev_hash).toBe(sealed[i - 1]!.hash);
    });

    it('stamps recorded_at from the injected clock as ISO-8601 UTC with milliseconds', () => {
      expect(sealed.map((e) => e.envelope.recorded_at)).toEqual([
        '2026-02-16T00:00:00.000Z',
        '2026-02-16T00:00:01.500Z',
        '2026-02-16T00:00:03.000Z',
        '2026-02-16T00:00:04.500Z',
      ]);
    });

    it('takes the event ids from the injected generator and the envelope fields from the draft', () => {
      const ids = countingUlids();
      const expectedIds = [0, 1500, 3000, 4500].map((d) => ids(START_MS + d));
      sealed.forEach((event, i) => {
        const draft = drafts[i]!;
        expect(event.envelope).toEqual({
          v: 1,
          seq: 42 + i,
          event_id: expectedIds[i],
          type: draft.type,
          dataset_id: draft.dataset_id,
          run_id: draft.run_id,
          recorded_at: event.envelope.recorded_at,
          actor: ACTOR,
          payload: draft.payload,
          prev_hash: event.envelope.prev_hash,
        });
      });
    });

    it('stores as body exactly the RFC 8785 bytes of the envelope', () => {
      for (const event of sealed) {
        expect(Buffer.from(event.body).toString('utf8')).toBe(canonicalize(event.envelope));
      }
    });

    it('hashes the body with the event domain prefix', () => {
      for (const event of sealed) expect(event.hash).toBe(independentEventHash(event.body));
    });

    it('leaves the hash out of the hashed body', () => {
      for (const event of sealed)
        expect(Object.keys(JSON.parse(Buffer.from(event.body).toString()))).not.toContain('hash');
    });
  });

  describe('when a draft anywhere in the batch is invalid', () => {
    it.each([0, 2, 4])('throws INVALID_EVENT naming index %i', (index) => {
      const drafts = [1, 2, 3, 4, 5].map((n) => extensionDraft(n));
      drafts[index] = extensionDraft(index, { dataset_id: '../escape' });
      const error = sealError(() => sealEvents(drafts, context()));
      expect(error.code).toBe('INVALID_EVENT');
      expect(error.details.index).toBe(index);
    });

    it('hashes nothing of the batch before refusing it, when the first draft is the bad one', () => {
      let hashed = 0;
      const counting = (body: Uint8Array) => {
        hashed++;
        return nobleEventHasher(body);
      };
      const drafts = [extensionDraft(1, { type: 'raw.deleted' }), extensionDraft(2)];
      expect(() => sealEvents(drafts, context({ hasher: counting }))).toThrow(KfmError);
      expect(hashed).toBe(0);
    });
  });

  describe('when a payload holds a value JCS cannot represent', () => {
    it('throws NON_CANONICAL_VALUE naming the draft and the path', () => {
      const drafts = [extensionDraft(1), extensionDraft(2, { payload: { reading: Number.NaN } })];
      const error = sealError(() => sealEvents(drafts, context()));
      expect(error.code).toBe('NON_CANONICAL_VALUE');
      expect(error.details.index).toBe(1);
      expect(error.details.path).toBe('event.payload.reading');
    });
  });

  describe('when the same drafts are sealed twice with the same clock and ids', () => {
    it('gives both times the RFC 8785 bytes written out by hand, and their hash', () => {
      // Keys in code-unit order, no whitespace; the id is the clock's time then the counter's 1.
      const body =
        '{"actor":{"tool":"kfm","tool_version":"test"},"dataset_id":"ks_demo",' +
        `"event_id":"${encodeTime(START_MS, 10)}0000000000000001","payload":{"n":7,"note":"event 7"},` +
        `"prev_hash":"${'ab'.repeat(32)}","recorded_at":"2026-02-16T00:00:00.000Z","run_id":"r1",` +
        '"seq":42,"type":"x.site.note","v":1}';
      for (const [event] of [
        sealEvents([extensionDraft(7)], context()),
        sealEvents([extensionDraft(7)], context()),
      ]) {
        expect(Buffer.from(event!.body).toString('utf8')).toBe(body);
        expect(event!.hash).toBe(independentEventHash(Buffer.from(body)));
      }
    });
  });

  describe('when the batch is empty', () => {
    it('seals nothing', () => {
      expect(sealEvents([], context())).toEqual([]);
    });
  });
});

describe('sealEvents, the refusal of an invalid draft', () => {
  it('lists every issue of the draft with its path, a draft that is no object as "event"', () => {
    const unsafe = extensionDraft(1, { dataset_id: '../escape', run_id: '' });
    const error = sealError(() => sealEvents([unsafe], context()));
    expect(error.message).toBe(
      'dataset_id: dataset_id must be lowercase snake_case, at most 64 characters (^[a-z][a-z0-9_]{0,63}$); ' +
        'run_id: run_id must be a ULID or 1-128 characters of A-Z a-z 0-9 _ . : - starting with a letter or digit',
    );
    expect(sealError(() => sealEvents([42], context())).message).toBe(
      'event: Invalid input: expected object, received number',
    );
  });
});
