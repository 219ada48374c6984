import { redactUrl } from '../upstream/redact-url.js';

const SECRET_ENV_NAME = /TOKEN|KEY|SECRET|PASSWORD/i;
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi;
/** Values this short would redact ordinary words; a real credential is longer. */
const MIN_SECRET_LENGTH = 4;

/**
 * Removes secrets from anything we record or print: values of environment variables named like
 * *TOKEN*, *KEY*, *SECRET*, *PASSWORD*, and credentials inside URLs (userinfo, token-like query
 * parameters). Applied to every event payload, receipt and log line the runtime writes.
 */
export function secretScrubber(env: NodeJS.ProcessEnv): <T>(value: T) => T {
  const secrets = Object.entries(env)
    .filter(
      ([name, value]) =>
        SECRET_ENV_NAME.test(name) && value !== undefined && value.length >= MIN_SECRET_LENGTH,
    )
    .map(([, value]) => value as string)
    .sort((a, b) => b.length - a.length);
  const scrubText = (text: string): string => {
    let out = text.replace(URL_IN_TEXT, (url) => redactUrl(url));
    for (const secret of secrets) out = out.split(secret).join('[redacted]');
    return out;
  };
  const scrub = (value: unknown): unknown => {
    if (typeof value === 'string') return scrubText(value);
    if (Array.isArray(value)) return value.map(scrub);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v)]));
    }
    return value;
  };
  return scrub as <T>(value: T) => T;
}
