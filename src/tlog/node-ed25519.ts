import { createPrivateKey, createPublicKey, randomBytes, sign, verify } from 'node:crypto';
import type { Ed25519 } from './note-keys.js';

// RFC 8410 DER prefixes: node:crypto takes raw Ed25519 keys only wrapped in PKCS#8 / SPKI.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

const privateKeyOf = (seed: Uint8Array) =>
  createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });

/** Ed25519 (RFC 8032) through node:crypto (OpenSSL). */
export const nodeEd25519: Ed25519 = {
  publicKey: (seed) => {
    const spki = createPublicKey(privateKeyOf(seed)).export({ format: 'der', type: 'spki' });
    return new Uint8Array(spki.subarray(SPKI_PREFIX.length));
  },
  sign: (seed, message) => new Uint8Array(sign(null, message, privateKeyOf(seed))),
  verify: (publicKey, message, signature) => {
    if (publicKey.length !== 32 || signature.length !== 64) return false;
    try {
      const key = createPublicKey({
        key: Buffer.concat([SPKI_PREFIX, publicKey]),
        format: 'der',
        type: 'spki',
      });
      return verify(null, message, key, signature);
    } catch {
      // Bytes that are not a point on the curve: not a valid key, so no valid signature either.
      return false;
    }
  },
};

/** A fresh 32-byte Ed25519 seed from the OS's CSPRNG. */
export function newEd25519Seed(): Uint8Array {
  return new Uint8Array(randomBytes(32));
}
