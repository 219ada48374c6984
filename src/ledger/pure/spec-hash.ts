import { canonicalJson } from './canonical-json.js';
import { type Sha256Hex, utf8 } from './event-hash.js';

/** `spec_hash = sha256(JCS(spec))` (seed README, RFC 8785): the identity of a governed run spec. */
export function specHash(spec: unknown, sha256: Sha256Hex): string {
  return sha256(utf8(canonicalJson(spec, 'spec')));
}
