import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * API tokens. The server never holds a token in clear: each configured token is a record
 * `{id, salt, hash, roles}` with `hash = sha256("kfm.api-token.v1\n" ‖ salt ‖ token)`. A token is
 * 32 random bytes, so a fast salted hash is enough (stretching like scrypt protects low-entropy
 * passwords; here it would only cost CPU on every request). The salt keeps equal tokens from
 * having equal records, and the domain prefix keeps these digests apart from every other sha256.
 */
export const TOKEN_HASH_DOMAIN = 'kfm.api-token.v1\n';
export const TOKEN_PREFIX = 'kfm_';
const TOKEN_BYTES = 32;
const SALT_BYTES = 16;

/** Roles are compared with the dataset's policy labels, so they are spelt like labels. */
export const ROLE_PATTERN = /^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$/;
export const TOKEN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export const TokenRecord = z.strictObject({
  id: z.string().regex(TOKEN_ID_PATTERN, { error: 'must be 1-64 characters of A-Z a-z 0-9 _ . -' }),
  salt: z.string().regex(/^[0-9a-f]{32,128}$/, { error: 'must be at least 16 bytes as lowercase hex' }),
  hash: z.string().regex(/^[0-9a-f]{64}$/, { error: 'must be a sha256 as 64 lowercase hex characters' }),
  roles: z
    .array(z.string().regex(ROLE_PATTERN, { error: 'is not a lowercase role such as cultural-resources' }))
    .min(1, { error: 'must name at least one role' }),
});
export type TokenRecord = z.infer<typeof TokenRecord>;

export function hashToken(token: string, saltHex: string): string {
  return createHash('sha256')
    .update(TOKEN_HASH_DOMAIN)
    .update(Buffer.from(saltHex, 'hex'))
    .update(token, 'utf8')
    .digest('hex');
}

/** A new random token and the record that recognises it; the token is shown once and never stored. */
export function createToken(
  roles: readonly string[],
  id?: string,
  random: (size: number) => Buffer = randomBytes,
): { token: string; record: TokenRecord } {
  const token = `${TOKEN_PREFIX}${random(TOKEN_BYTES).toString('base64url')}`;
  const salt = random(SALT_BYTES).toString('hex');
  const recordId = id ?? `tok_${random(6).toString('hex')}`;
  const record = TokenRecord.parse({ id: recordId, salt, hash: hashToken(token, salt), roles: [...roles] });
  return { token, record };
}

/** The configured tokens, matched in constant time. */
export class TokenStore {
  readonly #records: readonly TokenRecord[];
  readonly #hashes: readonly Buffer[];

  constructor(records: readonly TokenRecord[]) {
    this.#records = records;
    this.#hashes = records.map((r) => Buffer.from(r.hash, 'hex'));
  }

  get size(): number {
    return this.#records.length;
  }

  /**
   * The record whose hash the token has, or undefined. Every record is hashed and compared with
   * timingSafeEqual, with no early exit, so the time taken says neither whether nor which record
   * matched (the salts differ, so each record needs its own digest anyway).
   */
  match(token: string): TokenRecord | undefined {
    let found: TokenRecord | undefined;
    for (const [i, record] of this.#records.entries()) {
      const digest = Buffer.from(hashToken(token, record.salt), 'hex');
      if (timingSafeEqual(digest, this.#hashes[i]!) && found === undefined) found = record;
    }
    return found;
  }
}
