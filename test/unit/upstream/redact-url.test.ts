import { describe, expect, it } from 'vitest';
import { isSecretParamName, redactUrl, scrubUrl } from '../../../src/upstream/redact-url.js';

describe('redactUrl', () => {
  it('replaces the userinfo password and keeps the user name', () => {
    expect(redactUrl('https://alice:s3cr%40t@example.org/data.csv')).toBe(
      'https://alice:REDACTED@example.org/data.csv',
    );
  });

  it('replaces the values of secret-looking query parameters and keeps the rest byte for byte', () => {
    expect(
      redactUrl('https://h/api?start=2024-01-01&token=abc&api_key=k1&X-Amz-Signature=ff&page=2#top'),
    ).toBe(
      'https://h/api?start=2024-01-01&token=REDACTED&api_key=REDACTED&X-Amz-Signature=REDACTED&page=2#top',
    );
    expect(redactUrl('http://h/?ACCESS_TOKEN=a&apiKey=b&sig=c&Secret=d&password=e&auth=f&q=%20x')).toBe(
      'http://h/?ACCESS_TOKEN=REDACTED&apiKey=REDACTED&sig=REDACTED&Secret=REDACTED&password=REDACTED&auth=REDACTED&q=%20x',
    );
  });

  it('leaves URLs without secrets unchanged', () => {
    for (const url of [
      'file:///srv/data/x.csv',
      'http://127.0.0.1:8080/a?author=me&monkey=1',
      'https://user@h/p',
    ]) {
      expect(redactUrl(url)).toBe(url);
    }
  });

  it('redacts text that is not a valid URL too', () => {
    expect(redactUrl('not a url?token=zzz')).toBe('not a url?token=REDACTED');
  });
});

describe('isSecretParamName', () => {
  it('matches whole words of the name, not substrings', () => {
    expect(
      ['token', 'client_secret', 'authToken', 'x-api-key', 'apikey', 'X-Amz-Credential'].every(
        isSecretParamName,
      ),
    ).toBe(true);
    expect(['author', 'monkey', 'design', 'keyword', 'page'].some(isSecretParamName)).toBe(false);
  });
});

describe('scrubUrl', () => {
  it('removes the URL and its secrets from free text, however they are quoted', () => {
    const url = 'http://bob:hunter22@h/x?token=tok%2Fen9';
    const text = `Request cannot be constructed from ${url}; password hunter22, token tok/en9`;
    const out = scrubUrl(text, url);
    expect(out).not.toMatch(/hunter22|tok%2Fen9|tok\/en9/);
    expect(out).toContain('http://bob:REDACTED@h/x?token=REDACTED');
  });
});
