import { describe, expect, it } from 'vitest';
import { encodeBase64, utf8Bytes } from '../../../src/tlog/bytes.js';
import {
  type Checkpoint,
  formatCheckpointText,
  openCheckpoint,
  parseCheckpointText,
} from '../../../src/tlog/checkpoint.js';
import { openNote, signNote } from '../../../src/tlog/signed-note.js';
import { c2spSpec, fencedAfter, newTestKey } from './note-fixtures.js';

const EXAMPLE = fencedAfter(c2spSpec('tlog-checkpoint'), '# Transparency Log Checkpoints');
const EXAMPLE_TEXT = EXAMPLE.slice(0, EXAMPLE.lastIndexOf('\n\n') + 1);
const ROOT = encodeBase64(new Uint8Array(32).fill(7));

describe('the checkpoint example (tlog-checkpoint.md)', () => {
  it('parses to its origin, size and root hash, and formats back byte for byte', () => {
    const parsed = parseCheckpointText(EXAMPLE_TEXT);
    expect(parsed).toMatchObject({
      ok: true,
      checkpoint: { origin: 'example.com/behind-the-sofa', size: 20852163, extensions: [] },
    });
    if (!parsed.ok) return;
    expect(encodeBase64(parsed.checkpoint.rootHash)).toBe('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=');
    expect(formatCheckpointText(parsed.checkpoint)).toBe(EXAMPLE_TEXT);
  });

  it('is a well-formed signed note whose key the spec does not publish', () => {
    expect(openNote(utf8Bytes(EXAMPLE), [])).toMatchObject({ ok: false, failure: 'NO_KNOWN_SIGNATURE' });
  });
});

describe('parseCheckpointText', () => {
  it('keeps extension lines, in order', () => {
    const parsed = parseCheckpointText(`log\n5\n${ROOT}\nfirst ext\nsecond ext\n`);
    expect(parsed).toMatchObject({ ok: true, checkpoint: { extensions: ['first ext', 'second ext'] } });
  });

  it.each([
    ['two lines', `log\n5\n`, 'CHECKPOINT_MALFORMED'],
    ['an empty origin', `\n5\n${ROOT}\n`, 'CHECKPOINT_MALFORMED'],
    ['an empty extension line', `log\n5\n${ROOT}\n\nx\n`, 'CHECKPOINT_MALFORMED'],
    ['no final newline', `log\n5\n${ROOT}`, 'CHECKPOINT_MALFORMED'],
    ['a leading zero', `log\n05\n${ROOT}\n`, 'CHECKPOINT_SIZE'],
    ['a signed size', `log\n+5\n${ROOT}\n`, 'CHECKPOINT_SIZE'],
    ['an exponent', `log\n5e3\n${ROOT}\n`, 'CHECKPOINT_SIZE'],
    ['a size past 2^53', `log\n9007199254740993\n${ROOT}\n`, 'CHECKPOINT_SIZE'],
    ['a 31-byte root', `log\n5\n${encodeBase64(new Uint8Array(31))}\n`, 'CHECKPOINT_ROOT'],
    ['an unpadded root', `log\n5\n${ROOT.slice(0, -1)}\n`, 'CHECKPOINT_ROOT'],
    ['a hex root', `log\n5\n${'ab'.repeat(32)}\n`, 'CHECKPOINT_ROOT'],
  ])('refuses %s', (_, text, failure) => {
    expect(parseCheckpointText(text)).toMatchObject({ ok: false, failure });
  });

  it('reads the empty tree as size 0', () => {
    expect(parseCheckpointText(`log\n0\n${ROOT}\n`)).toMatchObject({ ok: true, checkpoint: { size: 0 } });
  });
});

describe('formatCheckpointText', () => {
  const checkpoint: Checkpoint = { origin: 'log', size: 5, rootHash: new Uint8Array(32), extensions: [] };
  it.each([
    ['an origin with a newline', { ...checkpoint, origin: 'a\nb' }],
    ['an empty origin', { ...checkpoint, origin: '' }],
    ['a negative size', { ...checkpoint, size: -1 }],
    ['a fractional size', { ...checkpoint, size: 1.5 }],
    ['a short root', { ...checkpoint, rootHash: new Uint8Array(31) }],
    ['an empty extension', { ...checkpoint, extensions: [''] }],
  ])('refuses %s', (_, bad) => {
    expect(() => formatCheckpointText(bad)).toThrow();
  });
});

describe('openCheckpoint', () => {
  const log = newTestKey('kfm.example/log');
  const note = signNote(`kfm.example/log\n42\n${ROOT}\n`, [log.signer]);

  it('returns the checkpoint a trusted key of that log signed', () => {
    expect(openCheckpoint(utf8Bytes(note), [log.verifier], 'kfm.example/log')).toMatchObject({
      ok: true,
      checkpoint: { origin: 'kfm.example/log', size: 42 },
    });
  });

  it('refuses a checkpoint of another log, and one no trusted key signed', () => {
    expect(openCheckpoint(utf8Bytes(note), [log.verifier], 'kfm.example/other')).toMatchObject({
      ok: false,
      failure: 'ORIGIN_MISMATCH',
    });
    const stranger = newTestKey('kfm.example/log');
    expect(openCheckpoint(utf8Bytes(note), [stranger.verifier], 'kfm.example/log')).toMatchObject({
      ok: false,
      failure: 'NO_KNOWN_SIGNATURE',
    });
  });

  it('refuses a signed note that is not a checkpoint', () => {
    const notCheckpoint = signNote('hello\n', [log.signer]);
    expect(openCheckpoint(utf8Bytes(notCheckpoint), [log.verifier], 'hello')).toMatchObject({
      ok: false,
      failure: 'CHECKPOINT_MALFORMED',
    });
  });
});
