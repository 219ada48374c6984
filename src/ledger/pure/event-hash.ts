import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

/** Domain separation: an event hash can never collide with a hash of the same bytes used elsewhere. */
export const EVENT_HASH_DOMAIN = 'kfm.event.v1\n';
const DOMAIN_BYTES = utf8ToBytes(EVENT_HASH_DOMAIN);

/** `hash = lowercase hex sha256("kfm.event.v1\n" ‖ body)` where body is the envelope's JCS bytes. */
export type EventHasher = (body: Uint8Array) => string;

/** Plain sha256 in lowercase hex. */
export type Sha256Hex = (bytes: Uint8Array) => string;

/**
 * The portable implementations: pure JavaScript, so the same verification code runs in a browser.
 * Node adapters use node:crypto (several times faster); a test proves both give identical digests.
 */
export const nobleEventHasher: EventHasher = (body) =>
  bytesToHex(sha256.create().update(DOMAIN_BYTES).update(body).digest());

export const nobleSha256Hex: Sha256Hex = (bytes) => bytesToHex(sha256(bytes));

const encoder = new TextEncoder();
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}
