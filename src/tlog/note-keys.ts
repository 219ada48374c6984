import { sha256 } from '@noble/hashes/sha2.js';
import { KfmError } from '../errors.js';
import { concatBytes, decodeBase64, encodeBase64, hasControlCharacter, utf8Bytes } from './bytes.js';

/**
 * C2SP signed-note keys. Only Ed25519 (signature type 0x01): the spec asks implementations to
 * support the types their design needs and no more. The curve arithmetic is injected (Ed25519
 * below), so this module stays pure and runs wherever an implementation is at hand.
 */
export const ED25519_TYPE = 0x01;

export interface Ed25519 {
  /** The 32-byte RFC 8032 public key of a 32-byte seed. */
  publicKey(seed: Uint8Array): Uint8Array;
  sign(seed: Uint8Array, message: Uint8Array): Uint8Array;
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
}

export interface NoteVerifier {
  name: string;
  keyId: number;
  verify(message: Uint8Array, signature: Uint8Array): boolean;
}

export interface NoteSigner {
  name: string;
  keyId: number;
  sign(message: Uint8Array): Uint8Array;
}

export type KeyFailure =
  /** Not `<name>+<hex id>+<base64>` (or `PRIVATE+KEY+…`): a part missing, bad hex or base64, bad name. */
  | 'KEY_MALFORMED'
  /** The key id does not match SHA-256(name || 0x0A || type || key)[:4]. */
  | 'KEY_ID_MISMATCH'
  /** A signature type other than Ed25519, or key material of the wrong length. */
  | 'KEY_ALGORITHM';

export type KeyParse<T> = { ok: true; key: T } | { ok: false; failure: KeyFailure; message: string };

/**
 * Key names (and signature line names) are non-empty, contain no Unicode space and no `+`
 * (signed-note "Format"). U+0085 is a Unicode space that JavaScript's \s misses.
 */
export function isValidKeyName(name: string): boolean {
  return name.length > 0 && !/[\s\u0085+]/u.test(name) && !hasControlCharacter(name, false);
}

/** key ID = SHA-256(key name || 0x0A || signature type || public key)[:4], big-endian. */
export function keyIdOf(name: string, publicKey: Uint8Array): number {
  const digest = sha256(concatBytes(utf8Bytes(`${name}\n`), Uint8Array.of(ED25519_TYPE), publicKey));
  return new DataView(digest.buffer, digest.byteOffset).getUint32(0);
}

export function formatKeyId(keyId: number): string {
  return keyId.toString(16).padStart(8, '0');
}

const fail = <T>(failure: KeyFailure, message: string): KeyParse<T> => ({ ok: false, failure, message });

/** Splits off the text up to the first `+`: base64 may hold `+`, names and ids may not. */
function chop(text: string): [string, string | undefined] {
  const plus = text.indexOf('+');
  return plus < 0 ? [text, undefined] : [text.slice(0, plus), text.slice(plus + 1)];
}

/** `<name>+<hex id>+<base64(type || key)>` split and checked. */
function parseKeyParts(
  text: string,
  what: string,
): KeyParse<{ name: string; keyId: number; material: Uint8Array }> {
  const [name, rest] = chop(text);
  const [idText, keyText] = chop(rest ?? '');
  if (keyText === undefined || !isValidKeyName(name))
    return fail(
      'KEY_MALFORMED',
      `${what} must be <name>+<8 hex key id>+<base64 key>, with a name of no spaces or +`,
    );
  if (!/^[0-9a-f]{8}$/.test(idText))
    return fail(
      'KEY_MALFORMED',
      `${what}: the key id ${JSON.stringify(idText)} is not 8 lowercase hex digits`,
    );
  const bytes = decodeBase64(keyText);
  if (bytes === undefined || bytes.length === 0)
    return fail('KEY_MALFORMED', `${what}: the key is not standard padded base64`);
  if (bytes[0] !== ED25519_TYPE || bytes.length !== 33)
    return fail('KEY_ALGORITHM', `${what}: only Ed25519 keys are supported (type 0x01 and 32 bytes)`);
  return { ok: true, key: { name, keyId: Number.parseInt(idText, 16), material: bytes.subarray(1) } };
}

/** A verifier key (vkey) text, checked: its id must be the hash of its name and public key. */
export function parseVerifierKey(vkey: string, ed25519: Ed25519): KeyParse<NoteVerifier> {
  const parsed = parseKeyParts(vkey, 'verifier key');
  if (!parsed.ok) return parsed;
  const { name, keyId, material } = parsed.key;
  if (keyIdOf(name, material) !== keyId)
    return fail(
      'KEY_ID_MISMATCH',
      `verifier key: the id ${formatKeyId(keyId)} is not the hash of its name and key`,
    );
  return {
    ok: true,
    key: { name, keyId, verify: (message, signature) => ed25519.verify(material, message, signature) },
  };
}

/** The signer key text `PRIVATE+KEY+<name>+<hex id>+<base64(0x01 || seed)>`, checked against the seed. */
export function parseSignerKey(skey: string, ed25519: Ed25519): KeyParse<NoteSigner & { vkey: string }> {
  const prefix = 'PRIVATE+KEY+';
  if (!skey.startsWith(prefix)) return fail('KEY_MALFORMED', `signer key must start with ${prefix}`);
  const parsed = parseKeyParts(skey.slice(prefix.length), 'signer key');
  if (!parsed.ok) return parsed;
  const { name, keyId, material: seed } = parsed.key;
  const publicKey = ed25519.publicKey(seed);
  if (keyIdOf(name, publicKey) !== keyId)
    return fail(
      'KEY_ID_MISMATCH',
      `signer key: the id ${formatKeyId(keyId)} is not the hash of its name and key`,
    );
  return {
    ok: true,
    key: {
      name,
      keyId,
      vkey: formatVerifierKey(name, publicKey),
      sign: (message) => ed25519.sign(seed, message),
    },
  };
}

/** Refuses a key name the spec forbids, before it is baked into a key nobody could parse. */
export function checkKeyName(name: string): void {
  if (!isValidKeyName(name))
    throw new KfmError(
      'USAGE',
      `key name ${JSON.stringify(name)}: a signed-note key name is non-empty, with no spaces, control characters or +, e.g. example.com/log`,
      { details: { name } },
    );
}

export function formatVerifierKey(name: string, publicKey: Uint8Array): string {
  checkKeyName(name);
  const material = encodeBase64(concatBytes(Uint8Array.of(ED25519_TYPE), publicKey));
  return `${name}+${formatKeyId(keyIdOf(name, publicKey))}+${material}`;
}

export function formatSignerKey(name: string, seed: Uint8Array, ed25519: Ed25519): string {
  checkKeyName(name);
  const keyId = formatKeyId(keyIdOf(name, ed25519.publicKey(seed)));
  return `PRIVATE+KEY+${name}+${keyId}+${encodeBase64(concatBytes(Uint8Array.of(ED25519_TYPE), seed))}`;
}
