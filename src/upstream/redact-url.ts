/**
 * URLs go into logs, events, receipts and error messages; secrets must not (docs/design.md, "Secrets
 * never appear in logs, receipts or events"). Upstream URLs commonly carry them in two places: the
 * userinfo password (RFC 3986 §3.2.1) and query parameters such as `?token=` or `X-Amz-Signature=`.
 */

export const REDACTED = 'REDACTED';

/**
 * Words that mark a query parameter as secret. A parameter name is split into words on `-`, `_`, `.`
 * and camelCase boundaries, so `api_key`, `apiKey`, `X-Amz-Signature` and `client_secret` match while
 * `author` or `monkey` do not.
 */
const SECRET_WORDS = new Set([
  'token',
  'key',
  'apikey',
  'secret',
  'password',
  'passwd',
  'pwd',
  'sig',
  'signature',
  'auth',
  'authorization',
  'credential',
  'credentials',
  'accesstoken',
]);

export function isSecretParamName(name: string): boolean {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== '');
  return words.some((word) => SECRET_WORDS.has(word)) || SECRET_WORDS.has(words.join(''));
}

/**
 * Returns `url` with the userinfo password and the values of secret-looking query parameters replaced
 * by `REDACTED`. Everything else is kept byte for byte (the query is edited as text, not re-encoded),
 * so a redacted URL still tells an operator which endpoint and which window was asked for.
 * Input that does not parse as a URL is redacted by pattern rather than returned unchanged.
 */
export function redactUrl(url: string): string {
  const queryStart = url.indexOf('?');
  const fragmentStart = url.indexOf('#', queryStart === -1 ? 0 : queryStart);
  const end = fragmentStart === -1 ? url.length : fragmentStart;
  const head = queryStart === -1 ? url.slice(0, end) : url.slice(0, queryStart);
  const query = queryStart === -1 ? undefined : url.slice(queryStart + 1, end);
  const fragment = url.slice(end);
  return redactUserinfo(head) + (query === undefined ? '' : `?${redactQuery(query)}`) + fragment;
}

/** `scheme://user:password@host` → `scheme://user:REDACTED@host`; the user name stays, for diagnosis. */
function redactUserinfo(head: string): string {
  return head.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*):[^/@]*@/i, `$1:${REDACTED}@`);
}

function redactQuery(query: string): string {
  return query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const rawName = eq === -1 ? pair : pair.slice(0, eq);
      return isSecretParamName(safeDecode(rawName)) && eq !== -1 ? `${rawName}=${REDACTED}` : pair;
    })
    .join('&');
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/**
 * Removes `url`'s secrets from free text, e.g. a library's error message that quotes the URL it was
 * given. Each secret (password, secret query value) is replaced wherever it appears, raw or decoded.
 */
export function scrubUrl(text: string, url: string): string {
  let out = text.split(url).join(redactUrl(url));
  for (const secret of secretsOf(url)) out = out.split(secret).join(REDACTED);
  return out;
}

function secretsOf(url: string): string[] {
  const secrets: string[] = [];
  const password = /^[a-z][a-z0-9+.-]*:\/\/[^/@:]*:([^/@]*)@/i.exec(url)?.[1];
  if (password !== undefined) secrets.push(password, safeDecode(password));
  const query = url.split('#')[0]?.split('?').slice(1).join('?') ?? '';
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=');
    if (eq !== -1 && isSecretParamName(safeDecode(pair.slice(0, eq)))) {
      secrets.push(pair.slice(eq + 1), safeDecode(pair.slice(eq + 1)));
    }
  }
  // Very short values would blank out unrelated text; they are still redacted inside the URL itself.
  return [...new Set(secrets)].filter((secret) => secret.length >= 3);
}
