import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasControlCharacter, utf8Bytes } from '../../../src/tlog/bytes.js';
import { nodeEd25519 } from '../../../src/tlog/node-ed25519.js';
import { parseSignerKey, parseVerifierKey } from '../../../src/tlog/note-keys.js';
import { MAX_SIGNATURES, openNote, signNote } from '../../../src/tlog/signed-note.js';
import { c2spSpec, fencedAfter, newTestKey } from './note-fixtures.js';

const spec = c2spSpec('signed-note');
const EXAMPLE_VKEY = /^ {4}(\S+\+[0-9a-f]{8}\+\S+)$/m.exec(spec.slice(spec.indexOf('### Example')))![1]!;
const EXAMPLE_NOTE = fencedAfter(spec, 'verifies the following signed note');
const example = parseVerifierKey(EXAMPLE_VKEY, nodeEd25519);
if (!example.ok) throw new Error(example.message);
const exampleVerifier = example.key;

const failureOf = (note: Uint8Array | string, verifiers = [exampleVerifier]) => {
  const opened = openNote(typeof note === 'string' ? utf8Bytes(note) : note, verifiers);
  return opened.ok ? 'ok' : opened.failure;
};

describe('the signed-note example (signed-note.md § Example)', () => {
  it('verifies with its verifier key', () => {
    expect(EXAMPLE_VKEY).toBe('example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k');
    const opened = openNote(utf8Bytes(EXAMPLE_NOTE), [exampleVerifier]);
    expect(opened).toMatchObject({
      ok: true,
      text: 'This is an example message.\n',
      verified: [{ name: 'example.com/foo', keyId: 0x530d903a }],
      unverified: [],
    });
  });

  it('is refused after every truncation', () => {
    const bytes = utf8Bytes(EXAMPLE_NOTE);
    const accepted = Array.from({ length: bytes.length }, (_, n) => n).filter(
      (n) => failureOf(bytes.subarray(0, n)) === 'ok',
    );
    expect(accepted).toEqual([]);
  });

  it('is refused after any one byte changes', () => {
    const bytes = utf8Bytes(EXAMPLE_NOTE);
    const accepted: number[] = [];
    for (let i = 0; i < bytes.length; i++) {
      for (const mask of [0x01, 0x20, 0x80]) {
        const changed = bytes.slice();
        changed[i] = changed[i]! ^ mask;
        if (failureOf(changed) === 'ok') accepted.push(i);
      }
    }
    expect(accepted).toEqual([]);
  });

  it('with the other example of the spec (no verifier key given) is well formed but unverified', () => {
    expect(failureOf(fencedAfter(spec, '# Note'))).toBe('NO_KNOWN_SIGNATURE');
  });
});

describe('openNote', () => {
  const log = newTestKey('kfm.example/log');
  const other = newTestKey('witness.example/w1');
  const text = 'kfm.example/log\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n';
  const note = signNote(text, [log.signer]);

  it('returns the text a known key signed', () => {
    expect(openNote(utf8Bytes(note), [log.verifier])).toMatchObject({ ok: true, text });
  });

  it('ignores a signature by an unknown key, as the spec requires', () => {
    const cosigned = signNote(text, [log.signer, other.signer]);
    const opened = openNote(utf8Bytes(cosigned), [log.verifier]);
    expect(opened).toMatchObject({ ok: true, unverified: [{ name: 'witness.example/w1' }] });
  });

  it('refuses a note whose only signatures are unknown, even one sharing the name or the key id', () => {
    expect(failureOf(note, [other.verifier])).toBe('NO_KNOWN_SIGNATURE');
    const sameName = newTestKey('kfm.example/log');
    expect(failureOf(note, [sameName.verifier])).toBe('NO_KNOWN_SIGNATURE');
    const renamed = note.replace('— kfm.example/log ', '— kfm.example/logs ');
    expect(failureOf(renamed, [log.verifier])).toBe('NO_KNOWN_SIGNATURE');
  });

  it('refuses the whole note when a known key signature fails, even beside a good one', () => {
    const forged = signNote('another text\n', [log.signer]).split('\n\n')[1]!;
    expect(failureOf(`${note}${forged}`, [log.verifier])).toBe('SIGNATURE_INVALID');
  });

  it(`reads up to ${MAX_SIGNATURES} signatures and refuses more`, () => {
    const line = signNote(text, [other.signer]).split('\n\n')[1]!;
    expect(failureOf(note + line.repeat(MAX_SIGNATURES - 1), [log.verifier])).toBe('ok');
    expect(failureOf(note + line.repeat(MAX_SIGNATURES), [log.verifier])).toBe('TOO_MANY_SIGNATURES');
  });

  it('refuses bytes that are not UTF-8', () => {
    const bytes = utf8Bytes(note);
    bytes[2] = 0xff;
    expect(failureOf(bytes, [log.verifier])).toBe('NOTE_NOT_UTF8');
  });

  it.each(['\r', '\t', '\u0000', '\u001b'])('refuses a control character %j', (control) => {
    expect(failureOf(note.replace('log\n3', `log${control}\n3`), [log.verifier])).toBe(
      'NOTE_CONTROL_CHARACTER',
    );
  });

  it.each([
    ['no blank line', (n: string) => n.replace('\n\n', '\n')],
    ['no final newline', (n: string) => n.slice(0, -1)],
  ])('refuses a note with %s', (_, mangle) => {
    expect(failureOf(mangle(note), [log.verifier])).toBe('NOTE_MALFORMED');
  });

  const signature = note.split('\n\n')[1]!.trimEnd().split(' ')[2]!;
  it.each([
    ['a hyphen for the em dash', `- kfm.example/log ${signature}`],
    ['no space before the name', `—kfm.example/log ${signature}`],
    ['two spaces before the signature', `— kfm.example/log  ${signature}`],
    ['an empty name', `—  ${signature}`],
    ['a + in the name', `— kfm.example/log+x ${signature}`],
    ['a trailing space', `— kfm.example/log ${signature} `],
    ['unpadded base64', `— kfm.example/log ${signature.replace(/=+$/, '')}`],
    ['a signature of 4 bytes', '— kfm.example/log AAAAAA=='],
    ['an empty line among signatures', `— kfm.example/log ${signature}\n`],
  ])('refuses a signature line with %s', (_, line) => {
    expect(failureOf(`${text}\n${line}\n`, [log.verifier])).toBe('SIGNATURE_LINE_MALFORMED');
  });

  it('opens what signNote signs, for any text a note may carry', () => {
    const lineText = fc
      .string({ unit: 'grapheme', maxLength: 40 })
      .filter((s) => !hasControlCharacter(s, false));
    fc.assert(
      fc.property(fc.array(lineText, { minLength: 1, maxLength: 5 }), (lines) => {
        const body = `${lines.join('\n')}\n`;
        fc.pre(body !== '\n');
        const opened = openNote(utf8Bytes(signNote(body, [log.signer, other.signer])), [log.verifier]);
        expect(opened).toMatchObject({ ok: true, text: body });
      }),
      { numRuns: 50 },
    );
  });

  it('refuses to sign text no note may carry', () => {
    for (const bad of ['', 'no final newline', 'tab\there\n'])
      expect(() => signNote(bad, [log.signer])).toThrow();
    expect(() => signNote(text, [])).toThrow();
  });
});

describe('verifier keys', () => {
  it('are refused after every truncation and any one character change', () => {
    const accepted: string[] = [];
    for (let n = 0; n < EXAMPLE_VKEY.length; n++) {
      const cut = EXAMPLE_VKEY.slice(0, n);
      if (parseVerifierKey(cut, nodeEd25519).ok) accepted.push(cut);
      for (const replacement of ['A', '0', '+', 'f']) {
        const changed = EXAMPLE_VKEY.slice(0, n) + replacement + EXAMPLE_VKEY.slice(n + 1);
        if (changed !== EXAMPLE_VKEY && parseVerifierKey(changed, nodeEd25519).ok) accepted.push(changed);
      }
    }
    expect(accepted).toEqual([]);
  });

  it.each([
    ['example.com/foo+530D903A+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k', 'KEY_MALFORMED'],
    ['example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k+x', 'KEY_MALFORMED'],
    ['example com+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k', 'KEY_MALFORMED'],
    ['example.com/foo+530d903a+AukyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k', 'KEY_ALGORITHM'],
    ['example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2kAA==', 'KEY_ALGORITHM'],
    ['example.com/bar+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k', 'KEY_ID_MISMATCH'],
  ])('%s is refused as %s', (vkey, failure) => {
    expect(parseVerifierKey(vkey, nodeEd25519)).toMatchObject({ ok: false, failure });
  });
});

describe('signer keys', () => {
  const key = newTestKey('kfm.example/log');

  it('read back as the same signer and give the verifier key', () => {
    const parsed = parseSignerKey(key.skey, nodeEd25519);
    expect(parsed).toMatchObject({ ok: true, key: { name: 'kfm.example/log', vkey: key.vkey } });
    expect(key.skey).toMatch(/^PRIVATE\+KEY\+kfm\.example\/log\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);
    expect(key.vkey.split('+')[1]).toBe(key.skey.split('+')[3]);
  });

  it('are refused after every truncation and any one character change', () => {
    const accepted: string[] = [];
    for (let n = 0; n < key.skey.length; n++) {
      if (parseSignerKey(key.skey.slice(0, n), nodeEd25519).ok) accepted.push(key.skey.slice(0, n));
      const c = key.skey[n] === 'A' ? 'B' : 'A';
      const changed = key.skey.slice(0, n) + c + key.skey.slice(n + 1);
      if (parseSignerKey(changed, nodeEd25519).ok) accepted.push(changed);
    }
    expect(accepted).toEqual([]);
  });
});

describe('nodeEd25519', () => {
  // RFC 8032 §7.1, TEST 1: the empty message.
  const seed = hexToBytes('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
  const publicKey = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
  const signature =
    'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b';

  it('gives the RFC 8032 public key and signature, and verifies exactly that signature', () => {
    expect(bytesToHex(nodeEd25519.publicKey(seed))).toBe(publicKey);
    expect(bytesToHex(nodeEd25519.sign(seed, new Uint8Array(0)))).toBe(signature);
    expect(nodeEd25519.verify(hexToBytes(publicKey), new Uint8Array(0), hexToBytes(signature))).toBe(true);
    expect(nodeEd25519.verify(hexToBytes(publicKey), Uint8Array.of(0), hexToBytes(signature))).toBe(false);
  });
});
