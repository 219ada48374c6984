import { describe, expect, it } from 'vitest';
import { SCAFFOLD_KINDS, scaffoldFiles } from '../../../src/contract/connector-scaffold.js';
import { missingForPromotion, parseDatasetEntry } from '../../../src/registry/dataset-entry.js';
import { readRegistryYaml } from '../../../src/registry/read-registry-yaml.js';

// Issue 15: `kfm connector new` writes these files; the registry entry must validate with nothing
// the Promotion Contract would deny on, and point at the fixture unless --upstream names a source.

const DECLARED = { license: 'CC-BY-4.0', sensitivity: 'public' };

function entryOf(
  kind: (typeof SCAFFOLD_KINDS)[number],
  upstream?: string,
  declared: { license?: string; sensitivity?: string } = DECLARED,
) {
  const files = scaffoldFiles('my_sites', kind, upstream, declared);
  const registry = files.find((f) => f.path === 'data/registry/my_sites.yml');
  if (registry === undefined) throw new Error('no registry entry in the scaffold');
  const yaml = readRegistryYaml(registry.text);
  if (!yaml.ok) throw new Error(`scaffold entry is not YAML: ${yaml.message}`);
  const parsed = parseDatasetEntry(yaml.value, 'my_sites');
  if (!parsed.ok) throw new Error(`scaffold entry refused: ${JSON.stringify(parsed.problems)}`);
  return { files, entry: parsed.entry };
}

describe('scaffoldFiles', () => {
  it.each(SCAFFOLD_KINDS)(
    '--from %s: a valid entry promotion has all it needs from, on its fixture',
    (kind) => {
      const { files, entry } = entryOf(kind);
      const fixture = files[2]!.path;
      expect(files.map((f) => f.path)).toEqual([
        'connectors/my_sites/connector.js',
        'data/registry/my_sites.yml',
        fixture,
      ]);
      expect(fixture).toMatch(/^connectors\/my_sites\/fixtures\/sample\.(csv|geojson)$/);
      expect(missingForPromotion(entry)).toEqual([]);
      expect(entry.upstream?.uri).toBe(`file:${fixture}`);
      expect(entry.spatial).toBe(kind === 'geojson');
      expect(files[0]!.text).toContain("dataset_id: 'my_sites'");
    },
  );

  it('declares no licence or sensitivity it was not given, so promotion fails closed on both', () => {
    const { entry } = entryOf('csv', undefined, {});
    expect(entry.license).toBeUndefined();
    expect(entry.sensitivity).toBeUndefined();
    expect(missingForPromotion(entry).map((m) => m.code)).toEqual(['LICENSE_MISSING', 'SENSITIVITY_MISSING']);
  });

  it('writes --upstream as the registry upstream.uri', () => {
    expect(entryOf('http', 'https://data.example.org/sites.csv').entry.upstream?.uri).toBe(
      'https://data.example.org/sites.csv',
    );
  });
});
