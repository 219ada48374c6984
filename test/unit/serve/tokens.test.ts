import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { authenticate } from '../../../src/serve/authenticate.js';
import { loadTokens } from '../../../src/serve/load-tokens.js';
import { createToken, hashToken, TOKEN_HASH_DOMAIN, TokenStore } from '../../../src/serve/tokens.js';

describe('createToken', () => {
  it('makes a 256-bit random token and a record holding only its salted hash', () => {
    const { token, record } = createToken(['census'], 'analyst');
    expect(token).toMatch(/^kfm_[A-Za-z0-9_-]{43}$/);
    expect(record).toEqual({
      id: 'analyst',
      salt: expect.stringMatching(/^[0-9a-f]{32}$/),
      hash: expect.any(String),
      roles: ['census'],
    });
    expect(JSON.stringify(record)).not.toContain(token.slice(4));
    const expected = createHash('sha256')
      .update(TOKEN_HASH_DOMAIN)
      .update(Buffer.from(record.salt, 'hex'))
      .update(token)
      .digest('hex');
    expect(record.hash).toBe(expected);
    expect(hashToken(token, record.salt)).toBe(expected);
  });

  it('salts every record, so two records never share a hash', () => {
    const a = createToken(['x']);
    const b = createToken(['x']);
    expect(a.record.salt).not.toBe(b.record.salt);
    expect(a.record.id).not.toBe(b.record.id);
  });
});

describe('TokenStore.match and authenticate', () => {
  const analyst = createToken(['census', 'restricted-demographics'], 'analyst');
  const other = createToken(['open-data'], 'other');
  const store = new TokenStore([other.record, analyst.record]);

  it('finds the record whose hash the token has', () => {
    expect(store.match(analyst.token)?.id).toBe('analyst');
    expect(store.match(other.token)?.id).toBe('other');
    expect(store.match(`${analyst.token}A`)).toBeUndefined();
    expect(new TokenStore([]).match(analyst.token)).toBeUndefined();
  });

  it('reads RFC 6750 bearer headers, scheme in any case', () => {
    expect(authenticate(undefined, store)).toEqual({ kind: 'anonymous' });
    expect(authenticate(`Bearer ${analyst.token}`, store)).toEqual({
      kind: 'token',
      id: 'analyst',
      roles: ['census', 'restricted-demographics'],
    });
    expect(authenticate(`bearer ${other.token}`, store)).toMatchObject({ kind: 'token', id: 'other' });
    expect(authenticate('Bearer kfm_unknown', store)).toEqual({ kind: 'invalid', why: 'unknown' });
    expect(authenticate('Basic dXNlcjpwdw==', store)).toEqual({ kind: 'invalid', why: 'malformed' });
    expect(authenticate(`Bearer ${'a'.repeat(600)}`, store)).toEqual({ kind: 'invalid', why: 'malformed' });
    expect(authenticate('Bearer a b', store)).toEqual({ kind: 'invalid', why: 'malformed' });
  });
});

describe('loadTokens', () => {
  const { record } = createToken(['census'], 'analyst');
  const second = createToken(['open-data'], 'second').record;
  const dir = mkdtempSync(join(tmpdir(), 'kfm-tokens-'));

  it('reads JSON or YAML lists from the file and the environment variable together', () => {
    const json = join(dir, 'tokens.json');
    writeFileSync(json, JSON.stringify([record]));
    const yaml = join(dir, 'tokens.yml');
    writeFileSync(yaml, stringify([record]));
    expect(loadTokens({ file: json }).size).toBe(1);
    expect(loadTokens({ file: yaml }).size).toBe(1);
    expect(loadTokens({ file: json, env: JSON.stringify([second]) }).size).toBe(2);
    expect(loadTokens({ env: '' }).size).toBe(0);
  });

  it('refuses a bad record naming the source and the field, never echoing the text', () => {
    const secretish = 'kfm_thisLooksLikeAToken';
    const attempt = () => loadTokens({ env: JSON.stringify([{ ...record, token: secretish }]) });
    expect(attempt).toThrow(
      expect.objectContaining({
        code: 'INVALID_INPUT',
        message: expect.stringMatching(/KFM_API_TOKENS/),
      }),
    );
    expect(attempt).toThrow(expect.objectContaining({ message: expect.not.stringContaining(secretish) }));
    expect(() => loadTokens({ env: JSON.stringify([{ ...record, roles: [] }]) })).toThrow(/roles/);
    expect(() => loadTokens({ env: JSON.stringify([record, record]) })).toThrow(/configured twice/);
    expect(() => loadTokens({ env: `{not json: [${secretish}` })).toThrow(/not JSON or YAML/);
    expect(() => loadTokens({ file: join(dir, 'missing.json') })).toThrow(/cannot read/);
  });
});
