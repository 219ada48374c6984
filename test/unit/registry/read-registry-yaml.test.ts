import { describe, expect, it } from 'vitest';
import { parseDatasetEntry } from '../../../src/registry/dataset-entry.js';
import { readRegistryYaml } from '../../../src/registry/read-registry-yaml.js';

function problemsOfYaml(text: string) {
  const yaml = readRegistryYaml(text);
  if (!yaml.ok) throw new Error(yaml.message);
  const result = parseDatasetEntry(yaml.value, 'ks_x', yaml.lineOf);
  return result.ok ? [] : result.problems;
}

describe('readRegistryYaml', () => {
  it('keeps dates as text (YAML core schema)', () => {
    const yaml = readRegistryYaml('temporal: {since: 2020-01-01}\n');
    expect(yaml.ok && yaml.value).toEqual({ temporal: { since: '2020-01-01' } });
  });

  it('names the line of a syntax error', () => {
    expect(readRegistryYaml('dataset_id: ks_x\ntitle: [a\nlicense: MIT\n')).toMatchObject({
      ok: false,
      line: 3,
    });
  });

  it('refuses duplicate keys, naming the line of the second', () => {
    const yaml = readRegistryYaml('dataset_id: ks_x\nlicense: MIT\nlicense: CC0-1.0\n');
    expect(yaml).toMatchObject({ ok: false, line: 3 });
    expect(!yaml.ok && yaml.message).toContain('unique');
  });

  it('lets schema problems name their line, nested and unknown fields included', () => {
    const text = [
      'dataset_id: ks_x',
      'license: Apache2',
      'upstream:',
      '  uri: file:a.csv',
      '  rate_limit: 0',
      'policy_labels:',
      '  - ok',
      '  - Bad',
      'licence: MIT',
      'publisher:',
      '',
    ].join('\n');
    expect(problemsOfYaml(text).map((p) => `${p.line}:${p.field}`)).toEqual([
      '2:license',
      '5:upstream.rate_limit',
      '8:policy_labels.1',
      '9:licence',
      '10:publisher',
    ]);
  });

  it('gives no line for a required field that is absent', () => {
    expect(problemsOfYaml('title: x\n')).toEqual([expect.not.objectContaining({ line: expect.anything() })]);
  });

  it('refuses an integer outside ±(2^53−1) instead of rounding it, naming line and field', () => {
    const yaml = readRegistryYaml(
      'dataset_id: ks_x\nupstream:\n  uri: file:a.csv\n  rate_limit: 12345678901234567890\n',
    );
    expect(yaml).toMatchObject({ ok: false, line: 4, field: 'upstream.rate_limit' });
    expect(!yaml.ok && yaml.message).toContain('would be stored as 12345678901234567000');
    expect(!yaml.ok && yaml.fix).toContain('quote it');
  });

  it('reads the integers a double holds as numbers, in maps and lists', () => {
    const yaml = readRegistryYaml('a: 9007199254740991\nb: [-9007199254740991, 0x10, 1.5]\n');
    expect(yaml.ok && yaml.value).toEqual({ a: 9007199254740991, b: [-9007199254740991, 16, 1.5] });
  });

  it.each([
    ['windows-1252', []],
    ['latin1', []],
    ['klingon', ['5:upstream.encoding']],
  ])('takes upstream.encoding %s when TextDecoder knows it', (encoding, problems) => {
    const text = `dataset_id: ks_x\nupstream:\n  uri: file:a.csv\n  media_type: text/csv\n  encoding: ${encoding}\n`;
    expect(problemsOfYaml(text).map((p) => `${p.line}:${p.field}`)).toEqual(problems);
  });
});
