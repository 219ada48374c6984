import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { validateDcatDataset, validateStacItem } from '../../src/catalogs/validate-catalogs.js';
import { kfm, type PromoteJson, stage } from '../support/kfm-cli.js';
import { ledgerEvents } from '../support/ledger-file.js';
import { readJson } from '../support/promote-root.js';
import { useTempDirs } from '../support/temp-dirs.js';

// Issue 15, "Catalog quality": a STAC item is dated by the data's time span (the connector's
// time_fields), not the publication, and a DCAT distribution names its format and, when the
// connector declares one, its data dictionary. Through the CLI, on a runtime connector scaffolded
// by `kfm connector new`, and still a projection: replay --check and verify --deep agree.

const ID = 'dated_sites';
const DICTIONARY = {
  url: 'https://kfm.example.org/dictionaries/dated_sites.json',
  media_type: 'application/schema+json',
};
const roots = useTempDirs('catalog-time-span');
let root: string;
let promoted: PromoteJson;

beforeAll(async () => {
  root = roots();
  await kfm(root, ['init']);
  await stage(root, [
    'connector',
    'new',
    ID,
    '--from',
    'geojson',
    '--license',
    'CC-BY-4.0',
    '--sensitivity',
    'public',
  ]);
  const dir = join(root, 'connectors', ID);
  // Records observed on two days, and the connector naming its data dictionary.
  const fixture = join(dir, 'fixtures', 'sample.geojson');
  writeFileSync(fixture, readFileSync(fixture, 'utf8').replace('"2025-01-01"', '"2024-06-15"'));
  const connector = join(dir, 'connector.js');
  writeFileSync(
    connector,
    readFileSync(connector, 'utf8').replace(
      "time_fields: ['observed_on'],",
      `time_fields: ['observed_on'],\n    data_dictionary: ${JSON.stringify(DICTIONARY)},`,
    ),
  );
  const ingest = await stage(root, ['ingest', ID]);
  await stage(root, ['validate', ID, '--run_id', ingest.json.run_id]);
  promoted = (await stage<PromoteJson>(root, ['promote', ID, '--run_id', ingest.json.run_id])).json;
}, 120_000);

describe('a version whose records carry dates', () => {
  it('records the time span of its time fields and its data dictionary in version.published', () => {
    const [published] = ledgerEvents(root, { type: 'version.published' });
    expect(published!.payload).toMatchObject({
      version_id: promoted.version_id,
      time_span: { start: '2024-06-15T00:00:00.000Z', end: '2025-01-01T00:00:00.000Z' },
      data_dictionary: DICTIONARY,
    });
  });

  it('dates its STAC item by that span, and the publication only as `created`', () => {
    const item = readJson(
      join(
        root,
        'data',
        'catalog',
        'stac',
        ID,
        'items',
        promoted.version_id,
        `${ID}-${promoted.version_id}.json`,
      ),
    );
    const [published] = ledgerEvents(root, { type: 'version.published' });
    expect(item.properties).toMatchObject({
      datetime: null,
      start_datetime: '2024-06-15T00:00:00.000Z',
      end_datetime: '2025-01-01T00:00:00.000Z',
      created: published!.recorded_at,
    });
    expect(validateStacItem(item)).toEqual({ valid: true, errors: [] });
  });

  it('names the DCAT distribution format and the data dictionary, and states the span as temporal', () => {
    const dcat = readJson(join(root, 'data', 'catalog', 'dcat', `${ID}.json`));
    expect(dcat.distribution).toEqual([
      expect.objectContaining({
        format: 'GeoJSON',
        mediaType: 'application/geo+json',
        describedBy: DICTIONARY.url,
        describedByType: DICTIONARY.media_type,
      }),
    ]);
    expect(dcat.temporal).toBe('2024-06-15T00:00:00.000Z/2025-01-01T00:00:00.000Z');
    expect(validateDcatDataset(dcat)).toEqual({ valid: true, errors: [] });
  });

  it('replays byte for byte, and verify --deep accepts the root', async () => {
    const check = await kfm(root, ['replay', '--check']);
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
    const deep = await kfm(root, ['verify', '--deep']);
    expect(deep.stderr).toBe('');
    expect(deep.status).toBe(0);
  });
});
