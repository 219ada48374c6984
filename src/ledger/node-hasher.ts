import { createHash, hash } from 'node:crypto';
import { EVENT_HASH_DOMAIN, type EventHasher, type Sha256Hex } from './pure/event-hash.js';

const DOMAIN = Buffer.from(EVENT_HASH_DOMAIN, 'utf8');

/**
 * node:crypto (OpenSSL) implementations of the pure hashers: measured here ~3.6× faster than
 * @noble/hashes on 300-byte events. `crypto.hash` (one-shot) beats createHash for small inputs.
 */
export const nodeEventHasher: EventHasher = (body) => hash('sha256', Buffer.concat([DOMAIN, body]), 'hex');

export const nodeSha256Hex: Sha256Hex = (bytes) => createHash('sha256').update(bytes).digest('hex');
