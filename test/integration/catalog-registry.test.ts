import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { POPULATION, STATIONS } from '../support/examples.js';
import { kfm, type PromoteJson, stage } from '../support/kfm-cli.js';
import { editRegistry, readJson } from '../support/promote-root.js';
import { initRoot } from '../support/stage-root.js';
import { useTempDirs } from '../support/temp-dirs.js';

// Issue 15, defect 1: a registry `temporal` without `until` (as ks_streamflow_daily declares)
// must render a valid DCAT-US interval, and `kfm registry validate` renders each entry's catalogs
// around a placeholder version, so an entry it passes is never denied CATALOG_INVALID at promote.

const roots = useTempDirs('catalog-registry');
let template: string;

interface RegistryValidation {
  ok: boolean;
  datasets: { dataset_id: string; missing: { field: string; code: string; message: string }[] }[];
}

const missingOf = async (root: string, id: string) =>
  (await stage<RegistryValidation>(root, ['registry', 'validate', id])).json.datasets[0]!.missing;

async function ingestAndValidate(root: string, id: string, runId: string): Promise<void> {
  await stage(root, ['ingest', id, '--run_id', runId]);
  await stage(root, ['validate', id, '--run_id', runId]);
}

beforeAll(async () => {
  template = roots();
  await initRoot(template);
}, 60_000);

describe('a registry temporal left open (since only)', () => {
  let root: string;
  let promoted: PromoteJson;

  beforeAll(async () => {
    root = roots.clone(template);
    editRegistry(root, POPULATION, (entry) => entry.set('temporal', { since: '2010-01-01' }));
    await ingestAndValidate(root, POPULATION, 'open-temporal');
    promoted = (await stage<PromoteJson>(root, ['promote', POPULATION, '--run_id', 'open-temporal'])).json;
  }, 120_000);

  it('passes registry validate without a promotion warning', async () => {
    expect(await missingOf(root, POPULATION)).toEqual([]);
  });

  it('is promoted, and DCAT temporal joins two dates: since and the UTC day of the publication', async () => {
    expect(promoted).toMatchObject({ status: 'succeeded', exit: 0 });
    const published = (await stage<{ published_at: string }[]>(root, ['versions', POPULATION])).json.at(
      -1,
    )!.published_at;
    const dcat = readJson(join(root, 'data', 'catalog', 'dcat', `${POPULATION}.json`));
    expect(dcat.temporal).toBe(`2010-01-01/${published.slice(0, 10)}`);
  });

  it('replays byte for byte: the open end comes from the events, not the clock', async () => {
    const check = await kfm(root, ['replay', '--check']);
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });
});

describe('an entry whose catalog cannot validate (a mailto: DCAT-US refuses)', () => {
  let root: string;

  beforeAll(async () => {
    root = roots.clone(template);
    editRegistry(root, STATIONS, (entry) =>
      entry.set('contact_point', { fn: 'KFM data stewards', hasEmail: 'mailto:data#stewards@example.org' }),
    );
  }, 60_000);

  it('registry validate warns CATALOG_INVALID on the field, with the expected form', async () => {
    expect(await missingOf(root, STATIONS)).toEqual([
      {
        field: 'contact_point.hasEmail',
        code: 'CATALOG_INVALID',
        message:
          "the DCAT record's /contactPoint/hasEmail must be a mailto: address, e.g. mailto:data@example.org",
        fix: 'write it as mailto:name@example.org (the DCAT-US form)',
      },
    ]);
    const text = await kfm(root, ['registry', 'validate', STATIONS]);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain('(promotion would deny: CATALOG_INVALID)');
  });

  it('promote is denied CATALOG_INVALID naming the field and its form, never a regex', async () => {
    await ingestAndValidate(root, STATIONS, 'bad-mailto');
    const denied = await stage<PromoteJson & { reasons: { code: string; message: string }[] }>(
      root,
      ['promote', STATIONS, '--run_id', 'bad-mailto'],
      3,
    );
    expect(denied.json.reasons).toEqual([
      {
        code: 'CATALOG_INVALID',
        message:
          'the dcat catalog does not validate against its schema: /contactPoint/hasEmail must be a mailto: address, e.g. mailto:data@example.org',
      },
      {
        code: 'CATALOG_INVALID',
        message:
          'the dcat catalog does not validate against its schema: /dataset/0/contactPoint/hasEmail must be a mailto: address, e.g. mailto:data@example.org',
      },
    ]);
  });
});
