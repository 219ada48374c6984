import { describe, expect, it } from 'vitest';
import { secretScrubber } from '../../../src/contract/scrub-secrets.js';
import { stageRequest } from '../../../src/contract/stage-request.js';

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe('stageRequest', () => {
  it('refuses a flag that does not apply to the stage instead of ignoring it', () => {
    expect(codeOf(() => stageRequest('ingest', 'ks_x', { emit_catalogs: true }))).toBe('USAGE');
    expect(codeOf(() => stageRequest('validate', 'ks_x', { run_id: 'r1', since: '2026-01-01' }))).toBe(
      'USAGE',
    );
  });

  it('requires --run_id for stages that continue a run', () => {
    expect(codeOf(() => stageRequest('validate', 'ks_x', {}))).toBe('USAGE');
  });

  it('refuses dataset ids and run ids that could leave their folder', () => {
    expect(codeOf(() => stageRequest('ingest', '../etc', {}))).toBe('USAGE');
    expect(codeOf(() => stageRequest('ingest', 'ks_x', { run_id: '../x' }))).toBe('USAGE');
  });

  it('normalises the window to UTC instants and refuses an empty one', () => {
    expect(
      stageRequest('ingest', 'ks_x', { since: '2026-01-01', until: '2026-01-02T06:00:00+02:00' }).window,
    ).toEqual({
      since: '2026-01-01T00:00:00.000Z',
      until: '2026-01-02T04:00:00.000Z',
    });
    expect(codeOf(() => stageRequest('ingest', 'ks_x', { since: '2026-01-02', until: '2026-01-01' }))).toBe(
      'USAGE',
    );
    expect(codeOf(() => stageRequest('ingest', 'ks_x', { since: 'yesterday' }))).toBe('USAGE');
  });

  it('takes --base-url on promote only, as an http(s) URL without credentials, query or fragment', () => {
    const promote = (baseUrl: string) => stageRequest('promote', 'ks_x', { run_id: 'r1', baseUrl });
    expect(promote('https://Data.Example.org/kfm/').flags.baseUrl).toBe('https://data.example.org/kfm');
    expect(promote('http://127.0.0.1:9000').flags.baseUrl).toBe('http://127.0.0.1:9000');
    for (const bad of [
      'data.example.org',
      'ftp://x.org',
      'https://u:p@x.org',
      'https://x.org/?a=1',
      'https://x.org/#f',
    ])
      expect(
        codeOf(() => promote(bad)),
        bad,
      ).toBe('USAGE');
    expect(codeOf(() => stageRequest('ingest', 'ks_x', { baseUrl: 'https://x.org' }))).toBe('USAGE');
  });

  it('refuses a positional dataset that disagrees with --dataset_id', () => {
    expect(codeOf(() => stageRequest('ingest', 'ks_a', { dataset_id: 'ks_b' }))).toBe('USAGE');
  });
});

describe('secretScrubber', () => {
  const scrub = secretScrubber({ KFM_UPSTREAM_TOKEN: 's3cr3t-value', HOME: '/root', API_KEY: 'k' });

  it('removes secret environment values and URL credentials from nested values', () => {
    const out = scrub({ uri: 'https://u:pw@host/x?token=s3cr3t-value&day=1', note: ['said s3cr3t-value'] });
    expect(JSON.stringify(out)).not.toContain('s3cr3t-value');
    expect(JSON.stringify(out)).not.toContain(':pw@');
    expect(out.uri).toContain('day=1');
  });

  it('keeps values of ordinary variables and very short secrets that would redact words', () => {
    expect(scrub('home is /root, k is a letter')).toBe('home is /root, k is a letter');
  });
});
