import { describe, expect, it } from 'vitest';
import { recordedZoneArgs, recordedZones } from '../../../src/contract/zone-record.js';
import { zoneLayout } from '../../../src/zones/zone-layout.js';
import { AUDIT_DS } from '../../support/audit-history.js';
import { ledgerEvents, started } from '../../support/ledger-events.js';

// Where verify --deep and replay look for a dataset's files: the zones its runs recorded in
// run.started, never a place outside the root, whatever a (forged) event says.

const ROOT = '/r';
const run = (
  id: string,
  stage: string,
  args: Record<string, unknown>,
): [string, string, Record<string, unknown>] => [id, 'run.started', { ...started(stage), args }];
const zonesOf = (...drafts: [string, string, Record<string, unknown>][]) =>
  recordedZones(ROOT, ledgerEvents(AUDIT_DS, drafts));

describe('recordedZones', () => {
  it('is the default layout for a dataset whose runs moved nothing', () => {
    expect(zonesOf(run('r1', 'ingest', {}), run('r1', 'promote', {}))).toEqual(zoneLayout(ROOT));
  });

  it('takes each zone from the first run whose stage takes its flag', () => {
    const zones = zonesOf(
      run('r1', 'ingest', { raw_dir: 'alt/raw' }),
      run('r1', 'promote', { raw_dir: 'alt/raw', processed_dir: 'pub' }),
      run('r2', 'promote', { processed_dir: 'later' }),
    );
    expect(zones).toMatchObject({ raw: '/r/alt/raw', work: '/r/data/work', processed: '/r/pub' });
  });

  it.each([
    ['an absolute path', '/etc'],
    ['a path leaving the root', '../outside'],
    ['a value that is not a path', 42],
  ])('never follows %s a forged run.started records', (_, value) => {
    expect(zonesOf(run('r1', 'promote', { processed_dir: value })).processed).toBe('/r/data/processed');
  });

  it('falls back to the default layout when recorded zones would overlap', () => {
    expect(
      zonesOf(run('r1', 'promote', { raw_dir: 'data/processed/x', processed_dir: 'data/processed' })),
    ).toEqual(zoneLayout(ROOT));
  });
});

describe('recordedZoneArgs', () => {
  it('records a moved zone relative to the root', () => {
    const given = { processed_dir: '/r/alt/pub' };
    expect(recordedZoneArgs(zoneLayout(ROOT, given), given)).toEqual({ processed_dir: 'alt/pub' });
  });

  it.each(['/elsewhere', '/r'])('refuses %s, not a folder below the root, with INVALID_INPUT', (dir) => {
    const given = { work_dir: dir };
    expect(() => recordedZoneArgs({ ...zoneLayout(ROOT), work: dir }, given)).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
  });
});
