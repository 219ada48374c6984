import { createHash, hash } from 'node:crypto';
import { EVENT_HASH_DOMAIN, type EventHasher, type Sha256Hex } from './pure/event-hash.js';

const DOMAIN = Buffer.from(EVENT_HASH_DOMAIN, 'utf8');
/** Larger bodies are hashed from a fresh buffer, so a rare huge event does not stay in memory. */
const MAX_SCRATCH = 1 << 20;
/** Domain prefix already in place; each body is copied in behind it (no allocation per event). */
let scratch = withDomain(Buffer.allocUnsafe(8192));

function withDomain(buffer: Buffer): Buffer {
  DOMAIN.copy(buffer, 0);
  return buffer;
}

/**
 * node:crypto (OpenSSL) implementations of the pure hashers: measured here ~7× faster than
 * @noble/hashes on 400-byte events (BENCHMARKS.md). `crypto.hash` (one-shot) beats createHash for
 * small inputs. Synchronous, so one scratch buffer serves every call.
 */
export const nodeEventHasher: EventHasher = (body) => {
  const length = DOMAIN.length + body.byteLength;
  if (length > MAX_SCRATCH) return hash('sha256', Buffer.concat([DOMAIN, body]), 'hex');
  if (length > scratch.length) scratch = withDomain(Buffer.allocUnsafe(Math.min(2 * length, MAX_SCRATCH)));
  scratch.set(body, DOMAIN.length);
  return hash('sha256', scratch.subarray(0, length), 'hex');
};

export const nodeSha256Hex: Sha256Hex = (bytes) => createHash('sha256').update(bytes).digest('hex');
